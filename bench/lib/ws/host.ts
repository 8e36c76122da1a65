/**
 * The hotswap WebSocket host: the shared server (server.ts) whose replies come from the `wsreply`
 * plugin, `manager.invoke('wsreply', 'reply', seq, count)`.
 *
 *   node dist/bench/lib/ws/host.js --plugins <dir> [--port 0] [--free-delay ms]
 *
 * Reads one JSON command per line on stdin (works on every platform, no signals):
 * - `{"cmd":"reload"}`: `manager.reload()`; the outcome is printed as a `reload` event;
 * - `{"cmd":"stats","gc":true}`: prints a `stats` event: the server's counters and the heap
 *   (`heapUsedBytes`, after full collections when `gc` is set and the host runs with --expose-gc),
 *   and the number of replaced generations not freed yet.
 * Prints one JSON line per event on stdout: `ready`, `reload`, `freed`, `stats`. Exits when stdin
 * ends (its driver is gone) or on SIGTERM.
 */
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PluginManager } from '../../../src/index.js';
import { settledHeap } from '../child.js';
import { PLUGIN_NAME, type WsReply } from './protocol.js';
import { emit, startWsServer } from './server.js';

const { values } = parseArgs({
  options: {
    plugins: { type: 'string' },
    port: { type: 'string', default: '0' },
    'free-delay': { type: 'string' },
  },
});
if (values.plugins === undefined) throw new Error('--plugins <dir> is required');
const freeDelay = values['free-delay'] === undefined ? undefined : Number(values['free-delay']);

const manager = new PluginManager({
  pluginDir: resolve(values.plugins),
  ...(freeDelay === undefined ? {} : { freeDelay }),
  logger: {
    debug: () => {},
    info: () => {},
    warn: (message: string) => process.stderr.write(`warn: ${message}\n`),
    error: (message: string) => process.stderr.write(`error: ${message}\n`),
  },
});
manager.on('reload', (outcome) =>
  emit(
    'reload',
    outcome.ok
      ? { ok: true, generation: outcome.generation, details: outcome.details, durationMs: outcome.durationMs }
      : { ok: false, stage: outcome.stage, plugin: outcome.plugin, code: outcome.error.code, message: outcome.error.message },
  ),
);
manager.on('freed', (generation) => emit('freed', { generation: generation.id }));

const loaded = await manager.load();
if (!loaded.ok) {
  process.stderr.write(`ws host: load failed at ${loaded.stage}: ${loaded.error.message}\n`);
  process.exit(1);
}

const server = await startWsServer({
  port: Number(values.port),
  mode: 'hotswap',
  // Synchronous: the counter and the reply follow the order the messages came in.
  reply: (seq, count) => manager.invoke<WsReply>(PLUGIN_NAME, 'reply', seq, count),
});

async function command(line: string): Promise<void> {
  if (line.trim() === '') return;
  const { cmd, gc } = JSON.parse(line) as { cmd?: string; gc?: boolean };
  if (cmd === 'reload') {
    await manager.reload(); // the outcome goes out through the 'reload' listener
  } else if (cmd === 'stats') {
    const heapUsedBytes = gc === true && 'gc' in globalThis ? await settledHeap() : process.memoryUsage().heapUsed;
    emit('stats', { ...server.stats(), heapUsedBytes, retired: manager.status().retired.length });
  } else {
    process.stderr.write(`ws host: unknown command ${line}\n`);
  }
}

// One command at a time, in order.
let queue: Promise<unknown> = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  queue = queue.then(() => command(line)).catch((error: unknown) => process.stderr.write(`ws host: ${String(error)}\n`));
});

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await server.close();
  await manager.close();
  process.exit(0);
}
lines.on('close', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
