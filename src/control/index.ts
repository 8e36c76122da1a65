/**
 * `hotswap/control`: make a host operable from outside the process (`startControl`), and talk to
 * one (`connectControl`), as the `hotswap` CLI does.
 *
 * @example
 * import { startControl } from 'hotswap/control';
 * const control = await startControl({ manager, hotfix: createHotfixEngine() });
 */
export { startControl, type ControlHandle, type ControlOptions } from './server.js';
export { connectControl, ControlRemoteError, type ControlClient, type HelloAnswer } from './client.js';
export { CONTROL_PROTOCOL } from './jsonrpc.js';
export type { ControlledManager } from './methods.js';
export type { WireError } from './wire.js';
export { EVENT_CHANNELS, type ControlEvent } from './events.js';
