/**
 * notes: imports store; the functions the app calls. `fail()` throws on purpose: the stack trace
 * names this file and the line of the `throw`, through the source map, however the app was built.
 */
import { definePlugin, live, type LiveData } from 'hotswap/plugin';
import type { NotesExtension, StoreExports } from '../../types.js';
import { Live_Note } from './live/note.js';
import { state } from './state.js';

let store: StoreExports | undefined;

function need(): StoreExports {
  if (store === undefined) throw new Error('notes is not loaded');
  return store;
}

function noteData(id: number): LiveData {
  const note = new Live_Note();
  note.id = id;
  note.text = need().get(id) ?? '';
  return live.wrap(note);
}

function explode(reason: string): never {
  throw new Error(`notes: ${reason}`);
}

export default definePlugin.withTypes<{ extension: NotesExtension; deps: { store: StoreExports } }>()({
  import: ['store'],
  onLoad(_data, ctx) {
    state.version = ctx.version;
    store = ctx.deps.store;
    console.log(`notes ${state.version}: onLoad`);
  },
  onVault(vault) {
    state.vault = vault;
  },
  onFree() {
    console.log(`notes ${state.version}: onFree`);
    state.vault = undefined;
    store = undefined;
  },
  functions: {
    add: (text: string) => need().add(text),
    list: () => need().list().map(({ id, text }) => `#${id} ${text}`),
    /** A note as live data, for `manager.callLive('live_formatNote', data)`. */
    note: (id: number) => noteData(id),
    /** A job that formats note `id` after `delayMs`. */
    remind: (id: number, delayMs: number) => state.vault?.jobs.schedule('live_formatNote', noteData(id), { delayMs }),
    fail: () => explode('thrown on purpose'),
  },
});
