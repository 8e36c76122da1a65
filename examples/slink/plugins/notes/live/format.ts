/**
 * A live function: the build finds it by its name, and statically linked it is still called by
 * name, through the vault (`manager.callLive`, or a job of `vault.jobs`).
 */
import { live } from 'hotswap/plugin';
import { state } from '../state.js';
import { Live_Note } from './note.js';

export function live_formatNote(data: unknown): string {
  const note = live.unwrap(data, Live_Note);
  const text = `[note ${note.id}] ${note.text} (${note.text.split(/\s+/).length} words)`;
  state.vault?.extension.formatted(text);
  return text;
}
