/**
 * End to end: the hotfix-webapp example's real app in a child process, a patch built with the real
 * `hotswap hotfix build`, applied and reverted over HTTP through the app's admin routes.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
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
import { TEST_MS } from '../helpers/timeout.js';

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
