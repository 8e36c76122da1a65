/**
 * store: keeps notes in memory and exports add/get/list to the plugins that import it (notes).
 */
import { definePlugin } from 'hotswap/plugin';
import type { StoreExports } from '../../types.js';

const notes = new Map<number, string>();
let nextId = 1;
let version = '?';

export default definePlugin.withTypes<{ exports: StoreExports }>()({
  onLoad(_data, ctx) {
    version = ctx.version;
    console.log(`store ${version}: onLoad`);
  },
  export: () => ({
    add(text) {
      const id = nextId++;
      notes.set(id, text);
      return id;
    },
    get: (id) => notes.get(id),
    list: () => [...notes].map(([id, text]) => ({ id, text })),
  }),
  onFree() {
    console.log(`store ${version}: onFree`);
  },
});
