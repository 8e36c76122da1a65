/** Checks the caller's options and applies the defaults documented on BuildPluginsOptions. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_LIVE_PREFIX } from '../artifact/format.js';
import { InvalidArgumentError } from '../errors.js';
import { isIdentifier } from './identifiers.js';
import { silentLogger, type BuildPluginsOptions, type BuildSettings } from './options.js';

export async function resolveSettings(options: BuildPluginsOptions): Promise<BuildSettings> {
  if (!Array.isArray(options.pluginDirs) || options.pluginDirs.length === 0) {
    throw new InvalidArgumentError('pluginDirs', 'give at least one plugin directory');
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') {
    throw new InvalidArgumentError('outDir', 'give the output directory as a non-empty string');
  }
  const outDir = resolve(options.outDir);
  const existing = await stat(outDir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) {
    throw new InvalidArgumentError('outDir', `${outDir} exists and is not a directory`);
  }
  const { version } = options;
  // The label goes into a JSON manifest and into log lines: keep it one printable line.
  if (version !== undefined && (typeof version !== 'string' || version.trim() === '' || /[\r\n]/.test(version))) {
    throw new InvalidArgumentError('version', 'the version label must be a non-empty single-line string');
  }
  const livePrefix = options.livePrefix ?? DEFAULT_LIVE_PREFIX;
  // The prefix is compared with identifiers; anything else could never match, or would match oddly.
  if (typeof livePrefix !== 'string' || !isIdentifier(livePrefix)) {
    throw new InvalidArgumentError('livePrefix', `${JSON.stringify(livePrefix)} is not an identifier-like prefix such as "live_"`);
  }
  const { signingKey } = options;
  if (signingKey !== undefined && (typeof signingKey !== 'object' || signingKey.type !== 'private' || signingKey.asymmetricKeyType !== 'ed25519')) {
    throw new InvalidArgumentError('signingKey', 'expected an ed25519 private KeyObject (readSigningKey of a hotswap keygen .key file)');
  }
  return {
    outDir,
    version,
    bundleDeps: options.bundleDeps ?? false,
    sourcemap: options.sourcemap ?? true,
    livePrefix,
    logger: options.logger ?? silentLogger,
    signingKey,
  };
}
