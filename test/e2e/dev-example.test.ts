/**
 * examples/dev as its README walks through it: a copy of the example (inside the package, where
 * `hotswap` resolves to itself) run by `hotswap dev`, then a plugin edit, an app function edit and a
 * change that needs a restart, each doing and saying what the README shows.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ask, startDev } from '../helpers/dev-session.js';
import { TEST_MS } from '../helpers/timeout.js';

/** dist/test/e2e/ → the repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

test('examples/dev: the README\'s saves do what it says', { timeout: TEST_MS }, async (t) => {
  mkdirSync(join(ROOT, '.hotswap-tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.hotswap-tmp', 'dev-example-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const entry of ['app.ts', 'lib.ts', 'plugins']) cpSync(join(ROOT, 'examples', 'dev', entry), join(dir, entry), { recursive: true });
  const edit = (file: string, from: string, to: string): void => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes(from), `${file} has ${from}`);
    writeFileSync(path, text.replace(from, to));
  };

  const dev = startDev(t, dir, ['app.ts', '--plugins', 'plugins/greeter'], { PORT: String(await freePort()) });
  const port = await dev.port();
  await dev.next('started');
  assert.equal(await ask(port), 'Hello, stranger! (visit #1)\n');

  edit('plugins/greeter/index.ts', 'Hello', 'Hi');
  await dev.next('reloaded');
  assert.equal(await ask(port), 'Hi, stranger! (visit #2)\n');

  edit('lib.ts', '(visit #${count})', '[${count} visits]');
  assert.deepEqual((await dev.next('patched'))['functions'], ['formatVisit']);
  assert.equal(await ask(port), 'Hi, stranger! [3 visits]\n');

  writeFileSync(join(dir, 'lib.ts'), `${readFileSync(join(dir, 'lib.ts'), 'utf8')}export const GREETING = 'Hey';\n`);
  const restarted = await dev.next('restarted');
  assert.match(String(restarted['reason']), /^lib\.ts:10: module-level binding "GREETING" added at line 10$/);
  assert.equal(await ask(await dev.port()), 'Hi, stranger! [1 visits]\n');
});
