/**
 * What bench/control.ts runs against: a temporary workspace (the plugin's source, the directory
 * it is built into, a private hotswap runtime directory and a private PM2_HOME), the `app` plugin
 * built for real at each version, the app process (bench/lib/control/app.ts), and commands timed
 * from spawn to exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugins } from '../../../src/build/index.js';
import { http, REPO, sleep } from '../compare/workspace.js';

/** The compiled `hotswap` command, the app, and pm2's command, as the bench runs them. */
export const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
export const APP = fileURLToPath(new URL('./app.js', import.meta.url));
export const PM2 = join(REPO, 'node_modules', 'pm2', 'bin', 'pm2');

export interface Workspace {
  readonly root: string;
  /** The plugin's source: `<root>/src/app/index.ts`. */
  readonly source: string;
  /** What the plugin is built into, and what the app loads from. */
  readonly plugins: string;
  /** HOTSWAP_RUNTIME_DIR for the app and the CLI. */
  readonly runtime: string;
  readonly pm2Home: string;
}

export async function makeWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-bench-control-'));
  const ws = { root, source: join(root, 'src', 'app'), plugins: join(root, 'plugins'), runtime: join(root, 'runtime'), pm2Home: join(root, 'pm2') };
  await mkdir(ws.source, { recursive: true });
  await mkdir(ws.plugins);
  await mkdir(ws.pm2Home);
  return ws;
}

export async function removeWorkspace(ws: Workspace): Promise<void> {
  await rm(ws.root, { recursive: true, force: true, maxRetries: 3 });
}

/** `v0001`: the version a build is given (`--version`) and the plugin answers. */
export function label(version: number): string {
  return `v${String(version).padStart(4, '0')}`;
}

function pluginSource(version: number): string {
  return [
    "import { definePlugin } from 'hotswap/plugin';",
    '',
    `const VERSION = '${label(version)}';`,
    '',
    'export default definePlugin({',
    '  functions: {',
    '    greet: (name: string) => ({ greeting: `Hello, ${name}!`, version: VERSION }),',
    '  },',
    '});',
    '',
  ].join('\n');
}

/** Writes version `version` of the plugin and builds it for real into `ws.plugins`, as `hotswap build --version` does. */
export async function buildApp(ws: Workspace, version: number): Promise<void> {
  await writeFile(join(ws.source, 'index.ts'), pluginSource(version));
  const [result] = await buildPlugins({ pluginDirs: [ws.source], outDir: ws.plugins, version: label(version) });
  if (result === undefined) throw new Error('the builder returned no result');
}

/** The environment every process of the bench gets: the app's settings, private directories, no pm2 update check. */
export function environment(ws: Workspace, port: number, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    APP_PLUGIN_DIR: ws.plugins,
    PORT: String(port),
    HOTSWAP_RUNTIME_DIR: ws.runtime,
    PM2_HOME: ws.pm2Home,
    PM2_DISABLE_VERSION_CHECK: 'true',
    ...extra,
  };
}

export interface Timed {
  /** From just before the spawn until the process exited and its output was closed. */
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node ...args` to its end and times it; killed after `timeoutMs`. */
export function timed(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code, stdout, stderr });
    });
  });
}

/** `timed`, but a non-zero exit is an error carrying the output. */
export async function mustRun(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Timed> {
  const result = await timed(args, env, timeoutMs);
  if (result.code !== 0) throw new Error(`node ${args.join(' ')} exited ${String(result.code)}:\n${result.stdout}${result.stderr}`);
  return result;
}

/** The app as a plain child process (the hotswap side), started with its control server. */
export class AppProcess {
  readonly #child: ChildProcess;
  #log = '';
  readonly #exited: Promise<void>;
  pid = -1;
  port = -1;
  socket = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<AppProcess> {
    const app = new AppProcess(spawn(process.execPath, [APP], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const child = app.#child;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (app.#log = (app.#log + chunk).slice(-4000)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the app did not print ready within ${timeoutMs} ms:\n${app.#log}`)), timeoutMs);
        let out = '';
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
          if (line === undefined) return;
          clearTimeout(timer);
          const ready = JSON.parse(line) as { pid: number; port: number; socket: string | null };
          app.pid = ready.pid;
          app.port = ready.port;
          app.socket = ready.socket ?? '';
          resolve();
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`the app exited (${signal ?? code}) before it was ready:\n${app.#log}`));
        });
      });
    } catch (error) {
      await app.stop();
      throw error;
    }
    return app;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** The version `/` answers, or undefined if it does not answer (a new connection each time). */
export async function answeredVersion(port: number): Promise<string | undefined> {
  try {
    const reply = await http(port, '/', { timeoutMs: 2000 });
    return reply.status === 200 ? (JSON.parse(reply.body) as { version: string }).version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls `/` (a new connection per poll, 1 ms apart) until it answers `version`; resolves with
 * performance.now() at that answer. Throws after `deadlineMs`.
 */
export async function untilVersion(port: number, version: string, deadlineMs = 20_000): Promise<number> {
  const since = performance.now();
  for (;;) {
    if ((await answeredVersion(port)) === version) return performance.now();
    if (performance.now() - since > deadlineMs) throw new Error(`127.0.0.1:${port} did not answer ${version} within ${deadlineMs} ms`);
    await sleep(1);
  }
}
