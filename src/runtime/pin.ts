/**
 * Pinning: a request runs every plugin call on the generation that was current when it began.
 *
 * The AsyncLocalStorage store is a small holder, not the generation: ALS copies its store into
 * every async resource created inside the pinned callback, long-lived ones (an interval, a socket)
 * included. Emptying the holder when the callback settles means those resources cannot keep an old
 * generation alive; after that they fall back to the current generation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Generation } from './generation.js';

export interface PinHolder<Ext> {
  generation: Generation<Ext> | undefined;
}

export class Pins<Ext> {
  readonly #storage = new AsyncLocalStorage<PinHolder<Ext>>();
  /** Pins running now; while 0, `pinned()` skips the AsyncLocalStorage lookup on the hot path. */
  #active = 0;

  /** The generation pinned by the enclosing `run`, if any. */
  pinned(): Generation<Ext> | undefined {
    return this.#active === 0 ? undefined : this.#storage.getStore()?.generation;
  }

  /** Runs `callback` with `generation` pinned, counting it in flight until the callback settles. */
  async run<T>(generation: Generation<Ext>, callback: () => T | Promise<T>): Promise<T> {
    const holder: PinHolder<Ext> = { generation };
    generation.enter();
    this.#active++;
    try {
      return await this.#storage.run(holder, callback);
    } finally {
      holder.generation = undefined;
      this.#active--;
      generation.leave();
    }
  }
}
