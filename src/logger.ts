/**
 * The logging seam, shared by the plugin and hotfix engines: hotswap logs through this interface
 * only; pass your own (pino, winston, a test spy) as the `logger` option.
 */
import { debuglog } from 'node:util';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const debug = debuglog('hotswap');

/**
 * The default logger: debug and info through `util.debuglog('hotswap')` (shown with
 * `NODE_DEBUG=hotswap`), warnings and errors on stderr, since they name something to fix.
 */
export const defaultLogger: Logger = {
  debug: (message) => debug(message),
  info: (message) => debug(message),
  warn: (message) => console.warn(`hotswap: ${message}`),
  error: (message) => console.error(`hotswap: ${message}`),
};
