/**
 * The servers of the comparison, as the JavaScript each alternative runs: the same trivial
 * node:http server (it answers its code version as text), wired for reloading the way each tool
 * wants it. They are written into a temporary workspace (bench/lib/compare/workspace.ts), so the
 * tools watch and load real files, and they share one measurement module, `stats.js`.
 */

/** The version label every server answers: fixed width, so a built artifact can be rewritten in place. */
export function label(version: number): string {
  return `v${String(version).padStart(6, '0')}`;
}

/** The module that changes: one function returning its version. */
export function handlerSource(version: number): string {
  return `export function version() {\n  return '${label(version)}';\n}\n`;
}

/** The hotswap plugin's source (version 0; later versions are the built artifact with the label rewritten). */
export function pluginSource(version: number): string {
  return [
    "import { definePlugin } from 'hotswap/plugin';",
    '',
    'export default definePlugin({',
    '  functions: {',
    `    version: (): string => '${label(version)}',`,
    '  },',
    '});',
    '',
  ].join('\n');
}

/**
 * Measurement shared by every server: the longest event-loop delay per 100 ms window (so a driver
 * can keep only the windows of a measured period, across restarts), heap on demand, reload counts,
 * and a graceful stop (stop accepting, answer with `connection: close`, exit once closed; the
 * restart-based tools get the best case). On exit it writes its numbers to $STATS_DIR.
 */
export const STATS_MODULE = `// Measurement shared by every server of the comparison (written by bench/lib/compare/servers.ts).
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 1 });
const samples = []; // [epoch ms at the end of a 100 ms window, longest event-loop delay in it (ms)]
const counters = { reloads: 0, failed: 0, lastError: undefined, timings: {} };
let closing = false;
let extra = () => ({});

function snapshot() {
  return { pid: process.pid, node: process.version, samples, ...counters, heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, ...extra() };
}

/** Counts one reload (or hotfix apply) and the timings it reported ({ name: ms }). */
export function reloaded(error, timings = {}) {
  if (error === undefined) counters.reloads++;
  else {
    counters.failed++;
    counters.lastError = String(error?.code ?? '') + ' ' + String(error?.message ?? error);
  }
  for (const [name, ms] of Object.entries(timings)) (counters.timings[name] ??= []).push(ms);
}

export function answer(res, text, status = 200) {
  res.writeHead(status, closing ? { 'content-type': 'text/plain', connection: 'close' } : { 'content-type': 'text/plain' });
  res.end(text);
}

/** Handles the admin routes; false for any other request. */
export function admin(req, res) {
  if (!req.url.startsWith('/__stats')) return false;
  if (req.url.includes('gc=1') && globalThis.gc !== undefined) for (let i = 0; i < 3; i++) globalThis.gc();
  answer(res, JSON.stringify(snapshot()));
  return true;
}

/** Listens on $PORT and stops gracefully on SIGTERM/SIGINT; \`more()\` adds fields to the numbers. */
export function listen(server, more) {
  if (more !== undefined) extra = more;
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => {
    histogram.enable();
    setInterval(() => {
      samples.push([Date.now(), histogram.max / 1e6]);
      histogram.reset();
    }, 100).unref();
  });
  const stop = () => {
    if (closing) return;
    closing = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('exit', () => {
    if (process.env.STATS_DIR) writeFileSync(process.env.STATS_DIR + '/exit-' + process.pid + '.json', JSON.stringify(snapshot()));
  });
}
`;

/** Baseline, restart (node --watch) and pm2: a plain server importing the handler statically. */
export const PLAIN_SERVER = `import { createServer } from 'node:http';
import { version } from './handler.js';
import { admin, answer, listen } from './stats.js';

listen(createServer((req, res) => {
  if (!admin(req, res)) answer(res, version());
}));
`;

/** ESM cache busting: one server, \`import('./handler.js?v=N')\` on SIGUSR2. */
export const ESM_SERVER = `import { createServer } from 'node:http';
import { admin, answer, listen, reloaded } from './stats.js';

let handler = await import('./handler.js?v=0');
let loads = 0;
process.on('SIGUSR2', () => {
  import('./handler.js?v=' + ++loads).then((next) => {
    handler = next;
    reloaded();
  }, (error) => reloaded(error));
});

listen(createServer((req, res) => {
  if (!admin(req, res)) answer(res, handler.version());
}));
`;

/**
 * hot-hook, as its README says: hot.init() first, in the entry file, then the application module,
 * which imports the handler dynamically on every request with the \`import.meta.hot?.boundary\`
 * attribute (a module imported before hot.init cannot be a boundary).
 */
export const HOT_HOOK_ENTRY = `import { hot } from 'hot-hook';

await hot.init({ root: import.meta.filename });
await import('./app.js');
`;

export const HOT_HOOK_APP = `import { createServer } from 'node:http';
import { admin, answer, listen } from './stats.js';

listen(createServer(async (req, res) => {
  if (admin(req, res)) return;
  const { version } = await import('./handler.js', import.meta.hot?.boundary);
  answer(res, version());
}));
`;

/** dynohot, as its README says: run with --import dynohot; accept updates of the handler and swap it. */
export const DYNOHOT_SERVER = `import { createServer } from 'node:http';
import { version } from './handler.js';
import { admin, answer, listen, reloaded } from './stats.js';

let current = version;
import.meta.hot?.accept('./handler.js', () => {
  current = version;
  reloaded();
});

listen(createServer((req, res) => {
  if (!admin(req, res)) answer(res, current());
}));
`;

const QUIET_LOGGER = `{ debug() {}, info() {}, warn: (m) => process.stderr.write('warn: ' + m + '\\n'), error: (m) => process.stderr.write('error: ' + m + '\\n') }`;

/** hotswap plugin engine: a PluginManager over plugins/, reloaded on SIGUSR2. */
export const PLUGIN_SERVER = `import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { PluginManager } from 'hotswap';
import { admin, answer, listen, reloaded } from './stats.js';

const manager = new PluginManager({ pluginDir: fileURLToPath(new URL('./plugins', import.meta.url)), logger: ${QUIET_LOGGER} });
let newVersions = 0; // reloads that loaded a new version (a burst of signals can also give 'unchanged' ones)
manager.on('reload', (outcome) => {
  if (outcome.ok && outcome.details.some((detail) => detail.status === 'ok')) newVersions++;
  reloaded(outcome.ok ? undefined : outcome.error, outcome.ok ? { durationMs: outcome.durationMs } : {});
});
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
manager.reloadOnSignal();

listen(createServer((req, res) => {
  if (!admin(req, res)) answer(res, manager.invoke('ver', 'version'));
}), () => {
  const status = manager.status();
  return { retired: status.retired.length, newVersions };
});
`;

/** hotswap hotfix engine: patches POSTed to /__hotfix are applied with engine.apply (as examples/hotfix-webapp). */
export const HOTFIX_SERVER = `import { createServer } from 'node:http';
import { createHotfixEngine } from 'hotswap/hotfix';
import { version } from './handler.js';
import { admin, answer, listen, reloaded } from './stats.js';

const engine = createHotfixEngine({ logger: ${QUIET_LOGGER} });

function applyPatch(req, res) {
  let startedAt = 0;
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    startedAt = performance.now();
    engine.apply(JSON.parse(body)).then((outcome) => {
      reloaded(outcome.ok ? undefined : outcome.error, outcome.ok ? { pauseMs: outcome.pauseMs, verifyMs: outcome.verifyMs, applyMs: performance.now() - startedAt } : {});
      answer(res, JSON.stringify(outcome.ok ? { ok: true, pauseMs: outcome.pauseMs, verifyMs: outcome.verifyMs, backends: outcome.functions.map((f) => f.backend) } : { ok: false, code: outcome.error.code, message: outcome.error.message }), outcome.ok ? 200 : 422);
    }, (error) => {
      reloaded(error);
      answer(res, JSON.stringify({ ok: false, message: String(error) }), 500);
    });
  });
}

listen(createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__hotfix') return applyPatch(req, res);
  if (!admin(req, res)) answer(res, version());
}));
`;
