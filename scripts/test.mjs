#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's own test runner. Node 20's `--test`
// takes no glob patterns and Node 22+ takes no directories, so the files are listed here.
//
// The tests run with TMPDIR (and TMP, TEMP: Windows) pointed at a fresh directory of their own.
// Anything a test, a helper or a child process leaves there fails the run: the leftovers are
// listed after the test runner's summary. The directory is removed either way.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Arguments: directories to search, or test files; default dist/test.
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/test'];
const files = roots
  .flatMap((root) =>
    statSync(root).isFile() ? [root] : readdirSync(root, { recursive: true, encoding: 'utf8' }).map((file) => join(root, file)),
  )
  .filter((file) => file.endsWith('.test.js'))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}: run \`npm run build\` first`);
  process.exit(1);
}

// A signal is passed on to the tests rather than ending this process: the temp directory is still
// checked and removed.
let child;
let stopped = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopped = true;
    child?.kill(signal);
  });
}
const testTmp = mkdtempSync(join(tmpdir(), 'hotswap-tests-'));
// Hosts leave records in a per-user runtime directory that outlives them by design (a host killed
// by a test leaves a stale one): the tests get one of their own, beside the checked directory.
const runtimeDir = mkdtempSync(join(tmpdir(), 'hotswap-tests-runtime-'));
// npm 11 on Node 22+ turns on Node's compile cache, kept in `<temp dir>/node-compile-cache`: a cache
// the quick-start test's npm commands would leave behind, by design, so it is off for the tests.
const env = {
  ...process.env,
  TMPDIR: testTmp,
  TMP: testTmp,
  TEMP: testTmp,
  HOTSWAP_RUNTIME_DIR: runtimeDir,
  NODE_DISABLE_COMPILE_CACHE: '1',
};
let status = 1;
try {
  if (!stopped) {
    child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
    const [code] = await once(child, 'exit');
    status = code ?? 1;
  }
  const leftovers = readdirSync(testTmp).sort();
  if (leftovers.length > 0) {
    const shown = leftovers.slice(0, 20).join(', ') + (leftovers.length > 20 ? `, and ${leftovers.length - 20} more` : '');
    console.error(`\ntests left ${leftovers.length} item(s) in their temp directory: ${shown}`);
    if (status === 0) status = 1;
  }
} finally {
  rmSync(testTmp, { recursive: true, force: true, maxRetries: 3 });
  rmSync(runtimeDir, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(status);
