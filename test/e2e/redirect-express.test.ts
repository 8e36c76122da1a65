/**
 * End to end: a real library patched in place through redirection. An Express 4 app runs in a child
 * process under hotswap's loader (`node --import <hotswap>/dist/src/typescript/register.js`) with
 * `HOTSWAP_REDIRECT_PACKAGES=express`, so Express's own files are instrumented as they load. The test
 * builds patches from Express's files under node_modules (one function edited, the hash of the file
 * as loaded for a base) and has the app apply and revert them with `createHotfixEngine` over HTTP:
 * - a method assigned to an object: `res.json = function json(obj) {...}` in lib/response.js;
 * - a module-private function: `stringify` in lib/response.js;
 * - a closure inside a method: `next`, defined in `proto.handle` of lib/router/index.js, also as
 *   called by a request that was already being handled when the patch came.
 * Each is seen over real HTTP before, after the apply and after the revert, every function goes
 * through the redirection backend, and a burst of requests in flight during each apply and revert
 * all succeed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir, type TempDir } from '../helpers/build-fixture.js';
import { FollowedProcess, within } from '../helpers/followed-process.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REGISTER = join(REPO, 'dist', 'src', 'typescript', 'register.js');
/** Express as the app loads it: its real path, which is what the loader instrumented. */
const EXPRESS = realpathSync(dirname(createRequire(import.meta.url).resolve('express/package.json')));
const RESPONSE_JS = join(EXPRESS, 'lib', 'response.js');
const ROUTER_JS = join(EXPRESS, 'lib', 'router', 'index.js');

const START_MS = 20_000;
const REQUEST_MS = 10_000;
const STOP_MS = 5_000;
const BURST = 40;
const CLIENTS = 8;

/**
 * The app. `/hotfix` applies the patch it is sent, `/hotfix/revert/:version` reverts one. A request
 * to `/slow` is parked in an app-level middleware, holding the router's `next` of its request,
 * until `/release`; the app prints `parked <n>` as it parks one.
 */
const SERVER = `import express from 'express';
import { createHotfixEngine } from 'hotswap/hotfix';

const engine = createHotfixEngine({ root: process.cwd() });
const app = express();
const parked = [];
let served = 0;

const outcome = (res, result) =>
  res.status(result.ok ? 200 : 422).json(result.ok ? result : { ok: false, code: result.error.code, message: result.error.message });

app.post('/hotfix', express.json({ limit: '10mb' }), async (req, res) => outcome(res, await engine.apply(req.body)));
app.post('/hotfix/revert/:version', async (req, res) => outcome(res, await engine.revert(req.params.version)));
app.get('/data', (req, res) => res.json({ hello: 'world', served: ++served }));
app.use('/slow', (req, res, next) => {
  parked.push(next);
  console.log('parked ' + parked.length);
});
app.get('/slow', (req, res) => res.json({ slow: true }));
app.post('/release', (req, res) => {
  const released = parked.splice(0);
  for (const next of released) next();
  res.json({ released: released.length });
});

const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, pid: process.pid })));
`;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(port: number, method: string, path: string, body?: unknown): Promise<Reply> {
  const reply = new Promise<Reply>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  return within(reply, REQUEST_MS, () => `${method} ${path} got no answer`);
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Express's file as it is on disk (and as the app loaded it), `from` replaced by `to` once, after `anchor`. */
function patchOf(version: string, file: string, anchor: string, from: string, to: string) {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(anchor);
  assert.notEqual(start, -1, `${anchor} not found in ${file}`);
  const at = text.indexOf(from, start);
  assert.notEqual(at, -1, `${from} not found after ${anchor} in ${file}`);
  const source = text.slice(0, at) + to + text.slice(at + from.length);
  return { version, files: [{ file, baseHash: sha256(text), source }] };
}

describe('Express 4 patched in place through redirection', () => {
  let tmp: TempDir;
  let app: FollowedProcess;
  let port: number;
  /** Versions applied and not reverted yet. */
  const applied: string[] = [];

  before(async () => {
    tmp = makeTempDir('hotswap-redirect-express-');
    mkdirSync(join(tmp.path, 'node_modules'));
    symlinkSync(REPO, join(tmp.path, 'node_modules', 'hotswap'), 'junction');
    symlinkSync(EXPRESS, join(tmp.path, 'node_modules', 'express'), 'junction');
    writeFileSync(join(tmp.path, 'server.mjs'), SERVER);
    const env: NodeJS.ProcessEnv = { ...process.env, HOTSWAP_REDIRECT_PACKAGES: 'express' };
    delete env.HOTSWAP_REDIRECT;
    delete env.NODE_OPTIONS;
    app = new FollowedProcess(spawn(process.execPath, ['--import', REGISTER, 'server.mjs'], { cwd: tmp.path, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const ready = JSON.parse(await app.line(/^\{"port":/, START_MS)) as { port: number };
    port = ready.port;
  });

  // After a failed test: no patch of it stays applied, no request of it stays parked.
  afterEach(async () => {
    if (app.isClosed) return;
    await send(port, 'POST', '/release');
    for (const version of applied.splice(0).reverse()) await send(port, 'POST', `/hotfix/revert/${version}`);
  });

  after(async () => {
    if (app !== undefined && !app.isClosed) {
      app.child.kill();
      await within(app.closed, STOP_MS, () => 'the app did not stop on SIGTERM').catch((error: unknown) => {
        app.child.kill('SIGKILL');
        throw error;
      });
    }
    tmp?.cleanup();
  });

  /**
   * `action` with requests in flight all along: a few clients each send requests one after the
   * other, from before `action` starts until it has ended (at least BURST in all). Each must succeed.
   */
  async function duringBurst<T>(action: () => Promise<T>): Promise<T> {
    let done = false;
    let sent = 0;
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (!done || sent < BURST) {
        sent++;
        try {
          const reply = await send(port, 'GET', '/data');
          if (reply.status !== 200 || !reply.body.startsWith('{"hello":"world"')) failures.push(`${reply.status} ${reply.body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    try {
      return await action();
    } finally {
      done = true;
      await Promise.all(clients);
      assert.deepEqual(failures, [], `${failures.length} of ${sent} requests in flight failed`);
    }
  }

  async function apply(patch: ReturnType<typeof patchOf>, name: string): Promise<void> {
    const reply = await duringBurst(() => send(port, 'POST', '/hotfix', patch));
    assert.equal(reply.status, 200, reply.body);
    applied.push(patch.version);
    const outcome = JSON.parse(reply.body) as { ok: boolean; functions: unknown[] };
    assert.deepEqual(outcome.functions, [{ file: patch.files[0]?.file, name, backend: 'redirect' }]);
  }

  async function revert(version: string): Promise<void> {
    const reply = await duringBurst(() => send(port, 'POST', `/hotfix/revert/${version}`));
    assert.equal(reply.status, 200, reply.body);
    applied.splice(applied.indexOf(version), 1);
  }

  it('loads Express with no file refused by the instrumenting', async () => {
    assert.equal((await send(port, 'GET', '/data')).status, 200);
    assert.doesNotMatch(app.stderr, /runs without redirection/);
  });

  it('patches a method assigned to an object (res.json in lib/response.js)', async () => {
    const patch = patchOf(
      'express-res-json',
      RESPONSE_JS,
      'res.json = function json(obj) {',
      '  return this.send(body);',
      "  this.set('X-Hotfix', 'res.json');\n  return this.send(body);",
    );
    assert.equal((await send(port, 'GET', '/data')).headers['x-hotfix'], undefined);
    await apply(patch, 'res.json');
    const patched = await send(port, 'GET', '/data');
    assert.equal(patched.headers['x-hotfix'], 'res.json');
    assert.equal(patched.headers['content-type'], 'application/json; charset=utf-8');
    await revert(patch.version);
    assert.equal((await send(port, 'GET', '/data')).headers['x-hotfix'], undefined);
  });

  it('patches a module-private function (stringify in lib/response.js)', async () => {
    const patch = patchOf(
      'express-stringify',
      RESPONSE_JS,
      'function stringify (value, replacer, spaces, escape) {',
      '  return json\n}',
      "  return typeof json === 'string' ? json + '\\n' : json\n}",
    );
    assert.match((await send(port, 'GET', '/data')).body, /^\{"hello":"world","served":\d+\}$/);
    await apply(patch, 'stringify');
    const patched = await send(port, 'GET', '/data');
    assert.match(patched.body, /^\{"hello":"world","served":\d+\}\n$/);
    assert.equal(patched.headers['content-length'], String(Buffer.byteLength(patched.body)));
    await revert(patch.version);
    assert.match((await send(port, 'GET', '/data')).body, /^\{"hello":"world","served":\d+\}$/);
  });

  it('patches a closure inside a method (next in proto.handle of lib/router/index.js), also for a request in flight', async () => {
    const patch = patchOf(
      'express-router-next',
      ROUTER_JS,
      'proto.handle = function handle(req, res, out) {',
      '    var path = getPathname(req);',
      "    var path = getPathname(req);\n    if (!res.headersSent) res.setHeader('X-Hotfix-Layer', req.method + ' ' + req.originalUrl + ' ' + idx);",
    );
    assert.equal((await send(port, 'GET', '/data')).headers['x-hotfix-layer'], undefined);

    // A request handled before the patch, holding its router's `next` until after.
    const slow = send(port, 'GET', '/slow');
    await app.line(/^parked 1$/, REQUEST_MS);
    await apply(patch, 'proto.handle.next');
    const patched = await send(port, 'GET', '/data');
    assert.match(String(patched.headers['x-hotfix-layer']), /^GET \/data \d+$/);
    assert.match(patched.body, /^\{"hello":"world","served":\d+\}$/);
    assert.equal((await send(port, 'POST', '/release')).body, '{"released":1}');
    const released = await slow;
    assert.equal(released.status, 200);
    assert.equal(released.body, '{"slow":true}');
    assert.match(String(released.headers['x-hotfix-layer']), /^GET \/slow \d+$/, 'the running closure now runs the new code, with its own variables');

    await revert(patch.version);
    assert.equal((await send(port, 'GET', '/data')).headers['x-hotfix-layer'], undefined);
    assert.equal((await send(port, 'GET', '/nowhere')).status, 404, 'the router still ends where nothing matches');
  });
});
