/**
 * The alternatives compared: how each one starts the server, applies code change N, and stops.
 * Every change makes `/` answer `label(N)`; what "the change" is differs by tool and is what a
 * user of that tool does: write the file (node --watch, hot-hook, dynohot), write it and run
 * `pm2 reload`, write it and signal (ESM cache busting), install the built artifact and signal
 * (hotswap plugin), POST the patch (hotswap hotfix, by LiveEdit or, with the server run through
 * hotswap's loader, by redirection).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hotfixPatch, PluginInstaller, pluginFiles, type PluginTemplate } from './changes.js';
import {
  DYNOHOT_SERVER,
  ESM_SERVER,
  handlerSource,
  HOT_HOOK_APP,
  HOT_HOOK_ENTRY,
  HOTFIX_SERVER,
  label,
  PLAIN_SERVER,
  PLUGIN_SERVER,
} from './servers.js';
import { Child, freePort, http, makeWorkspace, removeWorkspace, REPO, run, waitReady, type Workspace } from './workspace.js';

export interface StartOptions {
  readonly template: PluginTemplate;
  /** Node options for the server process, e.g. ['--expose-gc']. */
  readonly nodeArgs?: readonly string[];
}

export interface Running {
  readonly ws: Workspace;
  readonly port: number;
  /** Applies change `version` (1, 2, ...); resolves when the tool has taken it (pm2 reload returned, patch answered). */
  change(version: number): Promise<void>;
  /** Stops every process of the alternative; their exit numbers are then in ws.stats. */
  stop(): Promise<void>;
  /** The end of the processes' output, for error messages. */
  log(): string;
}

export interface Alternative {
  /** For --only. */
  readonly key: string;
  readonly name: string;
  /** How it is set up, one line for the notes. */
  readonly how: string;
  start(options: StartOptions): Promise<Running>;
}

const READY_MS = 20_000;
const PM2 = join(REPO, 'node_modules', 'pm2', 'bin', 'pm2');

function environment(ws: Workspace, port: number): NodeJS.ProcessEnv {
  return { ...process.env, PORT: String(port), STATS_DIR: ws.stats, PM2_HOME: ws.pm2Home };
}

/** One server process (`node ...args`), its files written first; `change` gets the child. */
async function single(
  files: Record<string, string>,
  args: readonly string[],
  options: StartOptions,
  change: (version: number, child: Child, ws: Workspace, port: number) => Promise<void>,
): Promise<Running> {
  const ws = await makeWorkspace(files);
  const port = await freePort();
  const child = new Child(process.execPath, [...(options.nodeArgs ?? []), ...args], { cwd: ws.app, env: environment(ws, port) });
  const running: Running = {
    ws,
    port,
    change: (version) => change(version, child, ws, port),
    stop: async () => {
      await child.stop('SIGTERM', 10_000);
    },
    log: () => child.log,
  };
  try {
    await waitReady(port, label(0), READY_MS, () => child.log);
  } catch (error) {
    await running.stop();
    await removeWorkspace(ws);
    throw error;
  }
  return running;
}

const writeHandler = (ws: Workspace, version: number): Promise<void> => writeFile(join(ws.app, 'handler.js'), handlerSource(version));

export const BASELINE: Alternative = {
  key: 'baseline',
  name: 'no reload (baseline)',
  how: '`node server.js`, no change',
  start: (options) =>
    single({ 'server.js': PLAIN_SERVER, 'handler.js': handlerSource(0) }, ['server.js'], options, () => {
      throw new Error('the baseline takes no change');
    }),
};

export const RESTART: Alternative = {
  key: 'restart',
  name: 'restart: node --watch',
  how: '`node --watch server.js`; the change: handler.js rewritten',
  start: (options) =>
    single({ 'server.js': PLAIN_SERVER, 'handler.js': handlerSource(0) }, ['--watch', 'server.js'], options, (version, _child, ws) =>
      writeHandler(ws, version),
    ),
};

export const PM2_CLUSTER: Alternative = {
  key: 'pm2',
  name: 'pm2 reload, 2-worker cluster',
  how: '`pm2 start server.js -i 2` (private PM2_HOME); the change: handler.js rewritten, then `pm2 reload app` (the CLI, run to its end)',
  async start(options) {
    const ws = await makeWorkspace({ 'server.js': PLAIN_SERVER, 'handler.js': handlerSource(0) });
    const port = await freePort();
    const env = environment(ws, port);
    const pm2 = (...args: string[]): Promise<string> => run(process.execPath, [PM2, ...args], { cwd: ws.app, env, timeoutMs: 60_000 });
    const nodeArgs = options.nodeArgs ?? [];
    let log = '';
    let stopped = false;
    const running: Running = {
      ws,
      port,
      async change(version) {
        await writeHandler(ws, version);
        log = await pm2('reload', 'app');
      },
      async stop() {
        // Once: `pm2 kill` with no daemon running would start one first.
        if (stopped) return;
        stopped = true;
        log = await pm2('kill').catch((error: unknown) => String(error));
      },
      log: () => log,
    };
    try {
      log = await pm2('start', 'server.js', '-i', '2', '--name', 'app', ...(nodeArgs.length > 0 ? ['--node-args', nodeArgs.join(' ')] : []));
      await waitReady(port, label(0), READY_MS, () => log);
    } catch (error) {
      await running.stop();
      await removeWorkspace(ws);
      throw error;
    }
    return running;
  },
};

export const ESM: Alternative = {
  key: 'esm',
  name: "ESM cache busting: import('./handler.js?v=N')",
  how: "one server; the change: handler.js rewritten, then SIGUSR2, on which it imports './handler.js?v=N'",
  start: (options) =>
    single({ 'server.js': ESM_SERVER, 'handler.js': handlerSource(0) }, ['server.js'], options, async (version, child, ws) => {
      await writeHandler(ws, version);
      child.signal('SIGUSR2');
    }),
};

export const HOT_HOOK: Alternative = {
  key: 'hot-hook',
  name: 'hot-hook',
  how: "`hot.init({ root })` in the entry, then the app imports `import('./handler.js', import.meta.hot?.boundary)` on every request; the change: handler.js rewritten",
  start: (options) =>
    single(
      { 'server.js': HOT_HOOK_ENTRY, 'app.js': HOT_HOOK_APP, 'handler.js': handlerSource(0) },
      ['server.js'],
      options,
      (version, _child, ws) => writeHandler(ws, version),
    ),
};

export const DYNOHOT: Alternative = {
  key: 'dynohot',
  name: 'dynohot',
  how: "`node --import dynohot server.js`, `import.meta.hot.accept('./handler.js', swap)`; the change: handler.js rewritten",
  start: (options) =>
    single({ 'server.js': DYNOHOT_SERVER, 'handler.js': handlerSource(0) }, ['--import', 'dynohot', 'server.js'], options, (version, _child, ws) =>
      writeHandler(ws, version),
    ),
};

export const HOTSWAP_PLUGIN: Alternative = {
  key: 'plugin',
  name: 'hotswap plugin reload',
  how: 'PluginManager.reloadOnSignal(); the change: the built artifact and manifest installed, then SIGUSR2 (the build is not timed: see the note)',
  start(options) {
    let installer: PluginInstaller | undefined;
    return single({ 'server.js': PLUGIN_SERVER, ...pluginFiles(options.template) }, ['server.js'], options, async (version, child, ws) => {
      installer ??= new PluginInstaller(options.template, join(ws.app, 'plugins'));
      await installer.install(version);
      child.signal('SIGUSR2');
    });
  },
};

export const HOTSWAP_HOTFIX: Alternative = {
  key: 'hotfix',
  name: 'hotswap hotfix (engine.apply)',
  how: "createHotfixEngine(); the change: a patch of version()'s body POSTed to /__hotfix, applied with engine.apply",
  start: (options) =>
    single({ 'server.js': HOTFIX_SERVER, 'handler.js': handlerSource(0) }, ['server.js'], options, async (version, _child, ws, port) => {
      const reply = await http(port, '/__hotfix', { method: 'POST', body: hotfixPatch(join(ws.app, 'handler.js'), version), timeoutMs: 10_000 });
      if (reply.status !== 200) throw new Error(`patch ${version} refused: ${reply.status} ${reply.body}`);
    }),
};

/** hotswap's loader, as `hotswap run` and `node --import hotswap/register` start it. */
const REGISTER_URL = pathToFileURL(join(REPO, 'dist', 'src', 'typescript', 'register.js')).href;

export const HOTSWAP_HOTFIX_REDIRECT: Alternative = {
  key: 'hotfix-redirect',
  name: 'hotswap hotfix, redirected (server run through the loader)',
  how: "the hotfix server started with `node --import hotswap/register server.js` (what `hotswap run` does): handler.js is instrumented as it loads, and the same patch goes through redirection, no debugger",
  start: (options) =>
    single({ 'server.js': HOTFIX_SERVER, 'handler.js': handlerSource(0) }, ['--import', REGISTER_URL, 'server.js'], options, async (version, _child, ws, port) => {
      const reply = await http(port, '/__hotfix', { method: 'POST', body: hotfixPatch(join(ws.app, 'handler.js'), version), timeoutMs: 10_000 });
      if (reply.status !== 200) throw new Error(`patch ${version} refused: ${reply.status} ${reply.body}`);
      const { backends } = JSON.parse(reply.body) as { backends: string[] };
      if (backends.length === 0 || backends.some((b) => b !== 'redirect')) throw new Error(`patch ${version} did not go through redirection: ${reply.body}`);
    }),
};

/** The baseline server run through hotswap's loader: what instrumenting every function costs under load. */
export const BASELINE_LOADER: Alternative = {
  key: 'baseline-loader',
  name: 'no reload, run through the loader (instrumented)',
  how: '`node --import hotswap/register server.js`, no change: server.js and handler.js instrumented for redirection',
  start: (options) =>
    single({ 'server.js': PLAIN_SERVER, 'handler.js': handlerSource(0) }, ['--import', REGISTER_URL, 'server.js'], options, () => {
      throw new Error('the baseline takes no change');
    }),
};

/** The alternatives that take no change: the baselines. */
export const takesNoChange = (alternative: Alternative): boolean => alternative === BASELINE || alternative === BASELINE_LOADER;

export const ALTERNATIVES: readonly Alternative[] = [BASELINE, BASELINE_LOADER, RESTART, PM2_CLUSTER, ESM, HOT_HOOK, DYNOHOT, HOTSWAP_PLUGIN, HOTSWAP_HOTFIX, HOTSWAP_HOTFIX_REDIRECT];
