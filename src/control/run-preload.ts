/**
 * What `hotswap run` imports before the program's first line: a control server with a hotfix
 * engine, reaching the PluginManager the program creates (the first one alive), so that the
 * program is operable from the shell with no code of its own. A server that cannot start is a
 * warning: the program runs anyway.
 */
import { delimiter } from 'node:path';
import { describe } from '../errors.js';
import { readKeyFile, TRUSTED_KEYS_ENV } from '../signing/keys.js';
import { createHotfixEngine } from '../hotfix/index.js';
import { defaultLogger } from '../logger.js';
import { liveManagers } from '../runtime/live-managers.js';
import type { ControlledManager } from './methods.js';
import { startControl } from './server.js';

const underDev = process.env['HOTSWAP_DEV'] === '1';
// Under `hotswap dev`, which prints every outcome itself, the engine's warnings would say it twice.
const engineLogger = underDev ? { ...defaultLogger, warn: (message: string) => defaultLogger.debug(message) } : defaultLogger;
// Under `hotswap dev`, a patch per save: only the newest stays revertible, so memory stays flat.
const revertible = underDev ? 1 : undefined;

// `hotswap run --trusted-key`: patches must be signed by one of these. Keys that cannot be read stop
// the control server from starting (below): an engine without them would take unsigned patches.
const keyFiles = process.env[TRUSTED_KEYS_ENV];

try {
  const trustedKeys = keyFiles === undefined || keyFiles === '' ? undefined : keyFiles.split(delimiter).map((file) => readKeyFile(file));
  const options = { logger: engineLogger, ...(revertible === undefined ? {} : { revertible }), ...(trustedKeys === undefined ? {} : { trustedKeys }) };
  await startControl({ hotfix: createHotfixEngine(options), manager: () => liveManagers()[0] as ControlledManager | undefined });
} catch (error) {
  defaultLogger.warn(`hotswap run: the control server did not start (hotswap status and hotfix will not reach this program): ${describe(error)}`);
}
