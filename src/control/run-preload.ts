/**
 * What `hotswap run` imports before the program's first line: a control server with a hotfix
 * engine, reaching the PluginManager the program creates (the first one alive), so that the
 * program is operable from the shell with no code of its own. A server that cannot start is a
 * warning: the program runs anyway.
 */
import { describe } from '../errors.js';
import { createHotfixEngine } from '../hotfix/index.js';
import { defaultLogger } from '../logger.js';
import { liveManagers } from '../runtime/live-managers.js';
import type { ControlledManager } from './methods.js';
import { startControl } from './server.js';

try {
  await startControl({ hotfix: createHotfixEngine(), manager: () => liveManagers()[0] as ControlledManager | undefined });
} catch (error) {
  defaultLogger.warn(`hotswap run: the control server did not start (hotswap status and hotfix will not reach this program): ${describe(error)}`);
}
