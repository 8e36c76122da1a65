/**
 * The servers of the fleet benchmark, as the source of the ES modules it writes and runs: the same
 * HTTP app in both, a PluginManager over the big plugin (bench/lib/big-plugin.ts).
 *
 * - `/` answers what the plugin's `version` function returns (200), or `plugin error: <message>`
 *   with status 500 when the function throws; it adds one to a request counter kept in the
 *   process's memory.
 * - `/state` answers `{ pid, served }`: the process and its counter, to see which state survives
 *   a deploy.
 *
 * HOST_SOURCE joins the fleet (one port per instance) and prints its states on stdout;
 * PM2_APP_SOURCE is the app as pm2 runs it (cluster workers sharing one port), stopping gracefully
 * on SIGINT as pm2 asks its workers to.
 */
import { PLUGIN_NAME } from '../big-plugin.js';
import { PLUGIN_ERROR_PREFIX } from './load.js';

const moduleUrl = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);

/** The app: `manager` and `served` are declared, `handle(req, res)` answers. */
function appSource(pluginDirExpression: string): string {
  return `
import http from 'node:http';
import { PluginManager } from ${moduleUrl('../../../src/index.js')};
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir: ${pluginDirExpression}, logger: silent, freeDelay: 0 });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
let served = 0;
let closing = false;
function handle(req, res) {
  if (closing) res.setHeader('connection', 'close');
  if (req.url === '/state') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ pid: process.pid, served }));
    return;
  }
  served++;
  let body;
  try {
    body = String(manager.invoke(${JSON.stringify(PLUGIN_NAME)}, 'version'));
  } catch (error) {
    res.statusCode = 500;
    res.end(${JSON.stringify(PLUGIN_ERROR_PREFIX)} + (error instanceof Error ? error.message : String(error)));
    return;
  }
  res.end(body);
}
`;
}

/** argv: plugin directory, service, instance id, port, Redis URL. Prints `ready`, then `state <state> <release> <running release id> <code>` lines. */
export const HOST_SOURCE = `${appSource('process.argv[2]')}
import { joinFleet } from ${moduleUrl('../../../src/fleet/index.js')};
const [, , , service, instanceId, port, redis] = process.argv;
const server = http.createServer(handle);
server.listen(Number(port), '127.0.0.1', async () => {
  await joinFleet({ redis, service, manager, instanceId,
    onState: (s) => process.stdout.write(['state', s.state, s.release ?? '-', s.runningId ?? '-', s.code ?? ''].join(' ') + '\\n') });
  process.stdout.write('ready\\n');
});
`;

/** Env: APP_PLUGIN_DIR, PORT. */
export const PM2_APP_SOURCE = `${appSource('process.env.APP_PLUGIN_DIR')}
const server = http.createServer(handle);
server.listen(Number(process.env.PORT), '127.0.0.1');
function stop() {
  if (closing) return;
  closing = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
`;
