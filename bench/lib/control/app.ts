/**
 * The HTTP app of the control-plane benchmark (bench/control.ts): one file, run as it is by both
 * tools. A node:http server answering `{ greeting, version }` from the `app` plugin through a
 * PluginManager. Run directly, it starts a control server, which `hotswap reload <pid>` reaches;
 * under pm2 (`APP_CONTROL=off`) it starts none, and `pm2 reload` replaces the process with a new
 * one, which loads the plugin version built last.
 *
 *   APP_PLUGIN_DIR=<dir built by hotswap build> PORT=<n> [APP_CONTROL=off] node dist/bench/lib/control/app.js
 *
 * Prints one line once it listens: `{"event":"ready","pid":…,"port":…,"socket":…}`. Stops
 * gracefully on SIGTERM and SIGINT (stops accepting, answers what is left with `connection:
 * close`, exits once closed, 3 s at most): the best case for a reload by restart.
 */
import { createServer, type ServerResponse } from 'node:http';
import { PluginManager } from '../../../src/index.js';
import { startControl } from '../../../src/control/index.js';
import { quiet } from '../quiet-logger.js';

interface Greeting {
  readonly greeting: string;
  readonly version: string;
}

const pluginDir = process.env['APP_PLUGIN_DIR'];
if (pluginDir === undefined) throw new Error('APP_PLUGIN_DIR is not set');
const port = Number(process.env['PORT'] ?? '0');

const manager = new PluginManager({ pluginDir, logger: quiet });
const loaded = await manager.load();
if (!loaded.ok) {
  process.stderr.write(`app: load failed at ${loaded.stage}: ${loaded.error.message}\n`);
  process.exit(1);
}
const control = process.env['APP_CONTROL'] === 'off' ? undefined : await startControl({ manager, logger: quiet, name: 'bench-control-app' });

let closing = false;
function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (closing) headers['connection'] = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

const server = createServer((_req, res) => {
  try {
    answer(res, 200, manager.invoke<Greeting>('app', 'greet', 'world'));
  } catch (error) {
    answer(res, 500, { error: error instanceof Error ? error.message : String(error) });
  }
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid, port: bound, socket: control?.socketPath ?? null })}\n`);
});

function stop(): void {
  if (closing) return;
  closing = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
