/**
 * The hotfix-webapp demo: start the app, change how `/now` formats the time, build a patch with the
 * real `hotswap hotfix build`, apply it through the app's `/hotfix` route, and see `/now` answer in
 * the new format from the same process with its state intact. Then a patch the planner refuses (it
 * adds a module-level binding) is sent: refused with its reason, and the app keeps serving.
 *
 *   npm run demo:hotfix-webapp
 *
 * Exits 0 only if all of that happened. The app runs from a temporary copy; the repository's files
 * are never edited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const APP_SOURCE = join(REPO, 'examples', 'hotfix-webapp', 'app', 'server.mjs');
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');

/** How long the app may take to start, to answer a request, or the CLI to build a patch: a bound, so nothing hangs. */
export const WAIT_MS = 20_000;

export const ORIGINAL_FORMAT = 'return date.toISOString();';
export const NEW_FORMAT = "return date.toISOString().slice(11, 19) + ' UTC';";
/** A change the planner refuses: formatTime starts using a module-level binding the running code lacks. */
export const REFUSED_TOP_LEVEL = "const SUFFIX = ' (UTC)';\n";
export const REFUSED_FORMAT = 'return date.toISOString().slice(11, 19) + SUFFIX;';

export interface Workspace {
  readonly root: string;
  /** The running copy of the app (and where its new versions are edited). */
  readonly app: string;
}

/** A temporary copy of the app, with `hotswap` resolvable from it. */
export async function makeWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-hotfix-webapp-'));
  const app = join(root, 'app');
  await mkdir(app, { recursive: true });
  await cp(APP_SOURCE, join(app, 'server.mjs'));
  await mkdir(join(root, 'node_modules'));
  await symlink(REPO, join(root, 'node_modules', 'hotswap'), 'junction');
  return { root, app };
}

export interface RunningApp {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
}

/** How the app is started: through hotswap's loader (patched by redirection), or plainly (LiveEdit). */
export type Backend = 'redirect' | 'liveedit';

/** `promise`, or a rejection saying what was awaited once `ms` have passed; `onTimeout` runs then. */
async function bounded<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void = () => {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the app and waits for its ready line; an app that is not ready in time is killed. */
export async function startApp(ws: Workspace, backend: Backend = 'liveedit'): Promise<RunningApp> {
  const loader = backend === 'redirect' ? ['--import', 'hotswap/register'] : [];
  const child = spawn(process.execPath, [...loader, join(ws.app, 'server.mjs')], { cwd: ws.app, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const ready = Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`the app exited with ${String(code)} before it was ready`))),
  ]) as Promise<[string]>;
  const [line] = await bounded(ready, WAIT_MS, 'the app to print its ready line', () => child.kill('SIGKILL'));
  const { pid, port } = JSON.parse(line) as { pid: number; port: number };
  return { child, pid, port };
}

/** Stops the app and waits until it has exited. */
export async function stopApp(app: RunningApp): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  const exited = once(app.child, 'exit');
  app.child.kill();
  await bounded(exited, WAIT_MS, `the app (pid ${app.pid}) to exit after SIGTERM`, () => app.child.kill('SIGKILL'));
}

export function httpJson(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.setTimeout(WAIT_MS, () => req.destroy(new Error(`timed out after ${WAIT_MS / 1000} s waiting for the answer to ${method} ${path}`)));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Keeps a copy of what runs now (the patch's base), edits the running copy, and builds the patch
 * with the real CLI. Returns the patch.
 */
export async function buildPatch(ws: Workspace, version: string, edit: (source: string) => string): Promise<unknown> {
  const base = join(ws.root, `base-${version}`);
  await mkdir(base, { recursive: true });
  await cp(join(ws.app, 'server.mjs'), join(base, 'server.mjs'));
  const file = join(ws.app, 'server.mjs');
  await writeFile(file, edit(await readFile(file, 'utf8')));
  const out = join(ws.root, `patch-${version}.json`);
  const cli = spawn(process.execPath, [CLI, 'hotfix', 'build', '--version', version, '--base-dir', base, '--out', out, 'server.mjs'], {
    cwd: ws.app,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = once(cli, 'exit') as Promise<[number | null]>;
  const [code] = await bounded(exited, WAIT_MS, `hotswap hotfix build of ${version}`, () => cli.kill('SIGKILL'));
  if (code !== 0) throw new Error(`hotswap hotfix build exited with ${String(code)}`);
  return JSON.parse(await readFile(out, 'utf8')) as unknown;
}

/** The whole flow with the app started for one backend; whether every check passed. */
async function demo(backend: Backend): Promise<boolean> {
  console.log(`\n== ${backend === 'redirect' ? 'node --import hotswap/register server.mjs (redirection)' : 'node server.mjs (LiveEdit)'}`);
  const ws = await makeWorkspace();
  let app: RunningApp | undefined;
  try {
    app = await startApp(ws, backend);
    const before = await httpJson(app.port, 'GET', '/now');
    console.log(`/now before: ${JSON.stringify(before.json)}`);

    const patch = await buildPatch(ws, 'format-2', (s) => s.replace(ORIGINAL_FORMAT, NEW_FORMAT));
    const applied = await httpJson(app.port, 'POST', '/hotfix', patch);
    console.log(`/hotfix: ${applied.status} ${JSON.stringify(applied.json)}`);
    const after = await httpJson(app.port, 'GET', '/now');
    console.log(`/now after:  ${JSON.stringify(after.json)}`);

    const refusedPatch = await buildPatch(ws, 'format-3', (s) =>
      s.replace('let requests = 0;', `${REFUSED_TOP_LEVEL}let requests = 0;`).replace(NEW_FORMAT, REFUSED_FORMAT),
    );
    const refused = await httpJson(app.port, 'POST', '/hotfix', refusedPatch);
    console.log(`/hotfix (a patch adding a module-level binding): ${refused.status} ${String(refused.json.code)}`);
    const still = await httpJson(app.port, 'GET', '/now');

    const checks: [string, boolean][] = [
      ['before: ISO format', /^\d{4}-\d\d-\d\dT/.test(String(before.json.now))],
      ['patch applied', applied.status === 200 && applied.json.ok === true],
      [`patched by ${backend}`, (applied.json as { functions?: { backend?: string }[] }).functions?.every((f) => f.backend === backend) === true],
      ['after: new format', /^\d\d:\d\d:\d\d UTC$/.test(String(after.json.now))],
      ['same process (no restart)', after.json.pid === app.pid && after.json.startedAt === before.json.startedAt],
      ['state kept (request counter)', after.json.requests === 2],
      ['bad patch refused with a reason', refused.status === 422 && refused.json.code === 'HOTSWAP_ERR_HOTFIX_REFUSED'],
      ['still serving the applied patch', /^\d\d:\d\d:\d\d UTC$/.test(String(still.json.now)) && still.json.requests === 3],
    ];
    console.log('\n| check | result |\n|---|---|');
    for (const [name, ok] of checks) console.log(`| ${name} | ${ok ? 'yes' : 'NO'} |`);
    const pause = (applied.json as { pauseMs?: number }).pauseMs;
    if (typeof pause === 'number') console.log(`\nmain-thread pause of the apply: ${pause.toFixed(1)} ms`);
    return checks.every(([, ok]) => ok);
  } finally {
    if (app !== undefined) await stopApp(app);
    await rm(ws.root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results = [await demo('redirect'), await demo('liveedit')];
  if (results.some((ok) => !ok)) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
