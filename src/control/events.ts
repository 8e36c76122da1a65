/**
 * The events a control connection can follow (`events.subscribe`, `hotswap events`): the engines'
 * diagnostics channels, each message made plain for JSON (wire.ts).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { toWire } from './wire.js';

/**
 * Loads, reloads and rollbacks (start, and end with the outcome), generations freed, suspected
 * leaks, live job errors, and hotfix applies (refused ones included), reverts and retries.
 */
export const EVENT_CHANNELS = [
  'hotswap:reload:start',
  'hotswap:reload:end',
  'hotswap:generation:freed',
  'hotswap:leak:suspected',
  'hotswap:job:error',
  'hotswap:hotfix:apply',
  'hotswap:hotfix:revert',
  'hotswap:hotfix:retry',
] as const;

export interface ControlEvent {
  readonly channel: string;
  /** Set by a cluster primary forwarding a worker's event: which worker it came from. */
  readonly worker?: { readonly worker: number; readonly pid: number };
  /** ms since the epoch. */
  readonly at: number;
  readonly message: unknown;
}

/** Calls `send` with every event until the returned function is called. */
export function subscribeEvents(send: (event: ControlEvent) => void): () => void {
  const listeners = EVENT_CHANNELS.map((channel) => {
    const listener = (message: unknown): void => send({ channel, at: Date.now(), message: toWire(message) });
    subscribe(channel, listener);
    return () => unsubscribe(channel, listener);
  });
  return () => {
    for (const remove of listeners) remove();
  };
}
