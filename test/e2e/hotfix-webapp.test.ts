/**
 * End to end: the hotfix-webapp example's real app in a child process, a patch built with the real
 * `hotswap hotfix build`, applied and reverted over HTTP through the app's admin routes, and from
 * the shell with the real `hotswap hotfix apply | list | revert` over the app's control socket.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHotswap, type CliResult } from '../../examples/shared/processes.js';
import {
  buildPatch,
  httpJson,
  makeWorkspace,
  NEW_FORMAT,
  ORIGINAL_FORMAT,
  REFUSED_FORMAT,
  REFUSED_TOP_LEVEL,
  startApp,
  stopApp,
} from '../../examples/hotfix-webapp/demo.js';
import { TEST_MS, WAIT_MS, withTimeout } from '../helpers/timeout.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const SHORT = /^\d\d:\d\d:\d\d UTC$/;

// Each wait of the demo's helpers (the app starting, an HTTP answer, a patch build) is bounded there.
for (const backend of ['redirect', 'liveedit'] as const) {
  test(`a module-private function of a running server is patched, refused, reverted; state kept (${backend})`, { timeout: TEST_MS }, async (t) => {
    const ws = await makeWorkspace();
    t.after(() => rm(ws.root, { recursive: true, force: true }));
    const app = await startApp(ws, backend);
    t.after(() => stopApp(app));

    assert.match(String((await httpJson(app.port, 'GET', '/now')).json.now), ISO);

    const patch = await buildPatch(ws, 'format-2', (s) => s.replace(ORIGINAL_FORMAT, NEW_FORMAT));
    const applied = await httpJson(app.port, 'POST', '/hotfix', patch);
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    assert.deepEqual((applied.json.functions as { name: string; backend: string }[]).map((f) => [f.name, f.backend]), [['formatTime', backend]]);
    const after = await httpJson(app.port, 'GET', '/now');
    assert.match(String(after.json.now), SHORT);
    assert.equal(after.json.requests, 2, 'in-memory state kept');
    assert.equal(after.json.pid, app.pid);

    const again = await httpJson(app.port, 'POST', '/hotfix', patch);
    assert.equal(again.json.alreadyApplied, true, 'the same version twice changes nothing');

    const refusedPatch = await buildPatch(ws, 'format-3', (s) =>
      s.replace('let requests = 0;', `${REFUSED_TOP_LEVEL}let requests = 0;`).replace(NEW_FORMAT, REFUSED_FORMAT),
    );
    const refused = await httpJson(app.port, 'POST', '/hotfix', refusedPatch);
    assert.equal(refused.status, 422);
    assert.equal(refused.json.code, 'HOTSWAP_ERR_HOTFIX_REFUSED');
    assert.match(String(refused.json.message), /SUFFIX/);
    assert.match(String((await httpJson(app.port, 'GET', '/now')).json.now), SHORT, 'still the applied patch');

    const listed = await httpJson(app.port, 'GET', '/hotfix');
    assert.deepEqual((listed.json as unknown as { version: string }[]).map((p) => p.version), ['format-2']);

    const reverted = await httpJson(app.port, 'POST', '/hotfix/revert/format-2');
    assert.equal(reverted.status, 200, JSON.stringify(reverted.json));
    const back = await httpJson(app.port, 'GET', '/now');
    assert.match(String(back.json.now), ISO);
    assert.equal(back.json.pid, app.pid);
  });
}

/** The real CLI (`node dist/src/cli/main.js ...args`), bounded. */
function hotswap(...args: string[]): Promise<CliResult> {
  return withTimeout(runHotswap(args), WAIT_MS, `hotswap ${args.join(' ')}`);
}

/** The one JSON document a `--json` verb printed. */
function printed<T>(run: CliResult): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    return assert.fail(`hotswap printed no JSON (exit ${String(run.code)}):\n${run.stdout}\n${run.stderr}`);
  }
}

for (const backend of ['redirect', 'liveedit'] as const) {
  test(`hotswap hotfix apply | list | revert <pid> patch the running app from the shell, no admin route (${backend})`, { timeout: TEST_MS }, async (t) => {
    const ws = await makeWorkspace();
    t.after(() => rm(ws.root, { recursive: true, force: true }));
    const app = await startApp(ws, backend);
    t.after(() => stopApp(app));
    const pid = String(app.pid);
    assert.match(String((await httpJson(app.port, 'GET', '/now')).json.now), ISO);

    // The patch file exactly as `hotswap hotfix build --out` wrote it.
    const patchFile = join(ws.root, 'cli-format-2.json');
    await writeFile(patchFile, JSON.stringify(await buildPatch(ws, 'format-2', (s) => s.replace(ORIGINAL_FORMAT, NEW_FORMAT))));
    const applied = await hotswap('hotfix', 'apply', pid, patchFile, '--json');
    assert.equal(applied.code, 0, applied.stderr);
    const outcome = printed<{ ok: boolean; version: string; functions: { name: string; backend: string }[] }>(applied);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.version, 'format-2');
    assert.deepEqual(outcome.functions.map((f) => [f.name, f.backend]), [['formatTime', backend]]);
    const after = await httpJson(app.port, 'GET', '/now');
    assert.match(String(after.json.now), SHORT, 'the patch applied from the shell is what the app serves');
    assert.equal(after.json.requests, 2, 'in-memory state kept');
    assert.equal(after.json.pid, app.pid);

    const listed = await hotswap('hotfix', 'list', pid, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(printed<{ version: string }[]>(listed).map((p) => p.version), ['format-2']);
    // One engine behind both doors: the admin route lists what the CLI applied.
    const route = (await httpJson(app.port, 'GET', '/hotfix')).json as unknown as { version: string }[];
    assert.deepEqual(route.map((p) => p.version), ['format-2']);

    const refusedFile = join(ws.root, 'cli-format-3.json');
    const refusedPatch = await buildPatch(ws, 'format-3', (s) =>
      s.replace('let requests = 0;', `${REFUSED_TOP_LEVEL}let requests = 0;`).replace(NEW_FORMAT, REFUSED_FORMAT),
    );
    await writeFile(refusedFile, JSON.stringify(refusedPatch));
    const refused = await hotswap('hotfix', 'apply', pid, refusedFile);
    assert.equal(refused.code, 1, 'a refused patch exits 1');
    assert.match(refused.stderr, /^error HOTSWAP_ERR_HOTFIX_REFUSED\b.*SUFFIX/m);
    assert.match(String((await httpJson(app.port, 'GET', '/now')).json.now), SHORT, 'still the applied patch');

    const reverted = await hotswap('hotfix', 'revert', pid, 'format-2');
    assert.equal(reverted.code, 0, reverted.stderr);
    assert.match(reverted.stdout, /^reverted format-2: 1 function\(s\)/);
    const back = await httpJson(app.port, 'GET', '/now');
    assert.match(String(back.json.now), ISO, 'reverted from the shell: the original format again');
    assert.equal(back.json.pid, app.pid);
    const empty = await hotswap('hotfix', 'list', pid);
    assert.equal(empty.stdout, 'no patch applied\n');
  });
}
