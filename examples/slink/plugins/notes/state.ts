/** notes' module state: its version label and the vault of its generation (live functions have no ctx). */
import type { Vault } from 'hotswap/plugin';
import type { NotesExtension } from '../../types.js';

export const state: { version: string; vault: Vault<NotesExtension> | undefined } = { version: '?', vault: undefined };
