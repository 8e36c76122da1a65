/** How the CLI prints results and errors. */
import { isHotswapError } from '../errors.js';
import type { BuildLogger, PluginBuildResult, StaticLinkResult } from '../build/index.js';
import { formatBytes } from '../build/format-bytes.js';

/** Exit codes of every verb: 0 done, 1 refused or failed, 2 usage error, 3 target not found. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_TARGET_NOT_FOUND = 3;

/** The exit code for an error a verb threw. */
export function exitCodeFor(error: unknown): number {
  // Coded errors of this process, and those a host answered with over its control socket.
  if (!isHotswapError(error)) return EXIT_FAILED;
  switch (error.code) {
    case 'HOTSWAP_ERR_PROCESS_NOT_FOUND':
    case 'HOTSWAP_ERR_HOST_NOT_FOUND':
    case 'HOTSWAP_ERR_NOT_A_HOST':
    case 'HOTSWAP_ERR_CONTROL_UNAVAILABLE':
      return EXIT_TARGET_NOT_FOUND;
    case 'HOTSWAP_ERR_INVALID_ARGUMENT':
    case 'HOTSWAP_ERR_HOST_AMBIGUOUS':
      return EXIT_USAGE;
    default:
      return EXIT_FAILED;
  }
}

/** User faults (every HotswapError) get one `error CODE: message` block, no stack; bugs keep theirs. */
export function printError(error: unknown): void {
  if (isHotswapError(error)) {
    process.stderr.write(`error ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}

/** One line per plugin built: name, version, size, sha256 prefix, time. */
export function formatBuildLine(result: PluginBuildResult): string {
  const { name, version, sha256 } = result.manifest;
  return `built ${name} ${version} (${formatBytes(result.bytes)}, sha256 ${sha256.slice(0, 12)}, ${Math.round(result.durationMs)} ms)`;
}

/** One line per plugin linked (name and live names), then the file written. */
export function formatLinkLines(result: StaticLinkResult): string[] {
  const count = (n: number, what: string): string => `${n} live ${what}${n === 1 ? '' : 's'}`;
  return [
    ...result.plugins.map(({ name, live }) => `linked ${name} (${count(live.functions.length, 'function')}, ${count(live.types.length, 'type')})`),
    `wrote ${result.file}`,
  ];
}

/** Warnings always reach stderr; `--verbose` adds the builder's info and debug lines. */
export function cliLogger(verbose: boolean): BuildLogger {
  const write = (message: string): void => void process.stderr.write(message + '\n');
  const ignore = (): void => {};
  return {
    info: verbose ? write : ignore,
    debug: verbose ? (message) => write(`  ${message}`) : ignore,
    warn: (message) => write(`warning: ${message}`),
  };
}
