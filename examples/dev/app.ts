/**
 * A stateful HTTP server to try `hotswap dev` on (see README.md): it counts its visits in memory,
 * greets through the `greeter` plugin, and formats its answer with functions of its own (lib.ts).
 */
import { createServer } from 'node:http';
import { PluginManager } from 'hotswap';
import { formatVisit, visitorName } from './lib.js';

const port = Number(process.env['PORT'] ?? 3000);
/** The state a restart would lose: `hotswap dev` keeps it across plugin reloads and patches. */
const visits = new Map<string, number>();

const manager = new PluginManager({ pluginDir: process.env['HOTSWAP_PLUGIN_DIR'] ?? '.hotswap/plugins' });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;

const server = createServer((request, response) => {
  const name = visitorName(request.url ?? '/');
  const count = (visits.get(name) ?? 0) + 1;
  visits.set(name, count);
  const greeting = manager.invoke<string>('greeter', 'greet', name);
  response.end(`${formatVisit(greeting, count)}\n`);
});
server.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/?name=Ada (pid ${process.pid})`));

process.on('SIGTERM', () => {
  server.close();
  void manager.close();
});
