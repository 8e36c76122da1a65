/**
 * The hello host: a plain node:http server whose answers come from the `hello` plugin.
 *
 *   node dist/examples/hello/host.js --plugins <dir built by `hotswap build`> [--port 0] [--free-delay ms]
 *
 * It prints one JSON line per event on stdout (`ready` with its pid, port and control socket,
 * `reload` with each outcome, `freed` when an old generation is gone) so a driver or a test can
 * follow it. It answers on a control socket (`startControl`): `hotswap reload <pid>` reloads it
 * and prints the outcome; it also reloads on SIGUSR2 (`hotswap reload <pid> --signal`), which
 * reports nothing back. The request counter lives in the host: it survives every reload, which is
 * the point.
 *
 * Routes: anything else → the greeting; `/__stats` → event-loop delay, heap and per-version
 * counts (`?reset=1` restarts the delay histogram, `?gc=1` collects garbage first when the host
 * runs with --expose-gc); `/__status` → `manager.status()`.
 */
import { subscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_RELOAD_SIGNAL, PluginManager } from 'hotswap';
import { startControl } from 'hotswap/control';

interface Greeting {
  readonly greeting: string;
  readonly version: string;
}

const { values } = parseArgs({
  options: {
    plugins: { type: 'string', default: process.env.HELLO_PLUGIN_DIR ?? 'build' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'free-delay': { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port} is not a port number`);
const freeDelay = values['free-delay'] === undefined ? undefined : Number(values['free-delay']);

/** One JSON line per event: the protocol a driver reads. Plugins log plain text on the same stream. */
function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

// Absolute, so the plugin's source URL and `require` do not depend on the working directory.
const manager = new PluginManager({ pluginDir: resolve(values.plugins), ...(freeDelay === undefined ? {} : { freeDelay }) });
manager.on('reload', (outcome) =>
  emit(
    'reload',
    outcome.ok
      ? { ok: true, generation: outcome.generation, details: outcome.details, durationMs: outcome.durationMs }
      : { ok: false, stage: outcome.stage, plugin: outcome.plugin, code: outcome.error.code, message: outcome.error.message },
  ),
);
manager.on('freed', (generation) => emit('freed', { generation }));

// State kept in memory across reloads.
let requests = 0;
const byVersion = new Map<string, { count: number; firstAt: number }>();
/** When the last reload began in the host, whatever asked for it (the control socket or the signal). */
let lastReloadAt: number | undefined;
subscribe('hotswap:reload:start', (message) => {
  if ((message as { kind?: string }).kind === 'reload') lastReloadAt = performance.now();
});

// Event-loop delay, sampled every millisecond: what a reload costs the requests being served.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

const collectGarbage = (globalThis as { gc?: () => void }).gc;

function stats(url: URL): Record<string, unknown> {
  if (url.searchParams.has('gc') && collectGarbage !== undefined) {
    for (let i = 0; i < 3; i++) collectGarbage();
  }
  const result = {
    uptimeMs: performance.now(),
    requests,
    loopDelayMaxMs: loopDelay.max / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMeanMs: loopDelay.mean / 1e6,
    heapUsedBytes: process.memoryUsage().heapUsed,
    gc: collectGarbage !== undefined && url.searchParams.has('gc'),
    lastReloadAt,
    versions: Object.fromEntries(byVersion),
  };
  if (url.searchParams.has('reset')) loopDelay.reset();
  return result;
}

async function greet(url: URL): Promise<Record<string, unknown>> {
  const name = url.searchParams.get('name') ?? 'world';
  // Counted on the same synchronous path as the invoke: counters follow the order calls were made.
  const request = ++requests;
  // pin: every plugin call of this request uses one generation, even if a reload swaps meanwhile.
  const result = await manager.pin(() => manager.invoke<Greeting>('hello', 'greet', name));
  const seen = byVersion.get(result.version);
  if (seen === undefined) byVersion.set(result.version, { count: 1, firstAt: performance.now() });
  else seen.count++;
  return { ...result, request };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let status = 200;
  let body: unknown;
  try {
    if (url.pathname === '/__stats') body = stats(url);
    else if (url.pathname === '/__status') body = manager.status();
    else body = await greet(url);
  } catch (error) {
    status = 500;
    body = { error: error instanceof Error ? error.message : String(error) };
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const first = await manager.load();
if (!first.ok) {
  process.stderr.write(`hello host: load failed at ${first.stage}: ${first.error.message}\n`);
  process.exit(1);
}

// `hotswap reload <pid>` (and status) reach the manager here, and get the reload's outcome back.
const control = await startControl({ manager, name: 'hello' });
if (process.platform !== 'win32') manager.reloadOnSignal();

const server = createServer((req, res) => void handle(req, res));
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  emit('ready', { pid: process.pid, port: bound, socket: control.socketPath, signal: process.platform === 'win32' ? null : DEFAULT_RELOAD_SIGNAL });
});

async function shutdown(): Promise<void> {
  server.closeAllConnections();
  server.close();
  loopDelay.disable();
  await control.close();
  await manager.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
