/** The logger benchmarks give the engines: warnings and errors on stderr, nothing else in the tables' way. */
import type { Logger } from '../../src/logger.js';

export const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message: string) => process.stderr.write(`warn: ${message}\n`),
  error: (message: string) => process.stderr.write(`error: ${message}\n`),
};
