/**
 * What `npm run demo:<name>:reload` runs: build plugin directories with the real `hotswap build`,
 * then ask the host started by `npm run demo:<name>:host` to reload, with the real
 * `hotswap reload --pid`, reading the pid from the file the host wrote.
 *
 *   node dist/examples/shared/reload.js --pid-file <file> [--version <label>] <pluginDir...> <outDir>
 *
 * The host prints the reload's outcome; this only reports what it ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hotswap } from './processes.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'pid-file': { type: 'string' }, version: { type: 'string' } },
});
const pidFile = values['pid-file'];
if (pidFile === undefined || positionals.length < 2) {
  console.error('usage: reload.js --pid-file <file> [--version <label>] <pluginDir...> <outDir>');
  process.exit(2);
}
if (!existsSync(pidFile)) {
  console.error(`no ${pidFile}: start the host first (npm run demo:<name>:host), in another terminal`);
  process.exit(1);
}
const pid = readFileSync(pidFile, 'utf8').trim();
const say = (line: string): void => console.log(line);
try {
  await hotswap(['build', ...(values.version === undefined ? [] : ['--version', values.version]), ...positionals], say);
  await hotswap(['reload', '--pid', pid], say);
  say('the host prints the outcome of the reload');
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
