/**
 * What the extension, livex and trine example hosts share: one JSON line per event on stdout, one
 * command per line on stdin, an optional pid file for `npm run demo:<name>:reload`, and a clean
 * shutdown (the manager is closed, so every onFree runs) on SIGINT/SIGTERM.
 *
 * The protocol a driver (demo.ts, the end-to-end tests) reads:
 *   {"event":"ready","pid":123,"signal":"SIGUSR2"}              once, after the first load
 *   {"event":"reload","ok":true,"changed":true,"generation":2,"summary":...}   after every load and reload
 *   {"event":"freed","generation":1,"plugins":[...]}   when an old generation was freed (plugins: the versions freed with it)
 *   {"event":"answer","n":3,"command":"add 2 3",...}            the answer to the n-th command line
 *   {"event":"jobError","id":4,"fn":"live_x","error":...}       a live job failed (manager 'jobError')
 * Plugins print plain text on the same stream; a driver shows those lines as logs.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEFAULT_RELOAD_SIGNAL, isHotswapError, type PluginManager, type ReloadOutcome } from 'hotswap';

/** Prints one event as a JSON line. */
export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

/** A reload outcome as plain JSON fields (the error object itself does not serialise). */
export function outcomeFields(outcome: ReloadOutcome): Record<string, unknown> {
  return outcome.ok
    ? { ok: true, changed: outcome.changed, generation: outcome.generation, summary: outcome.summary, details: outcome.details, durationMs: outcome.durationMs }
    : { ok: false, stage: outcome.stage, plugin: outcome.plugin, code: outcome.error.code, message: outcome.error.message };
}

/** The error of a failed command as answer fields. */
export function errorFields(error: unknown): Record<string, unknown> {
  return {
    error: error instanceof Error ? error.message : String(error),
    ...(isHotswapError(error) ? { code: error.code } : {}),
  };
}

export interface ServeOptions<Ext> {
  readonly manager: PluginManager<Ext>;
  /** Answers one command line (already split into words); the result becomes the answer's fields. */
  readonly handle: (words: readonly string[], line: string) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Written with the host's pid once it is ready; removed on shutdown. */
  readonly pidFile?: string | undefined;
  /** More fields for each `reload` event, read right after the reload (e.g. jobs still pending). */
  readonly reloadFields?: () => Record<string, unknown>;
}

/**
 * Loads the manager, reports every reload and free, listens for SIGUSR2, then answers command lines
 * one at a time, in order. Built-in commands: `reload` (manager.reload(), for a terminal or for
 * Windows, which has no signals) and `status` (manager.status()). Exits 1 if the first load fails.
 */
export async function serve<Ext>(options: ServeOptions<Ext>): Promise<void> {
  const { manager, pidFile } = options;
  manager.on('reload', (outcome) => emit('reload', { ...outcomeFields(outcome), ...options.reloadFields?.() }));
  manager.on('freed', (generation) => emit('freed', { generation: generation.id, plugins: generation.plugins }));
  manager.on('jobError', (error, job) => emit('jobError', { id: job.id, fn: job.fn, ...errorFields(error) }));

  const first = await manager.load();
  if (!first.ok) {
    process.stderr.write(`load failed at ${first.stage}: ${first.error.code}: ${first.error.message}\n`);
    process.exit(1);
  }
  const signals = process.platform !== 'win32';
  if (signals) manager.reloadOnSignal();

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await manager.close();
    if (pidFile !== undefined) rmSync(pidFile, { force: true });
    process.exit(0);
  };
  // `on`, not `once`: under `npm run`, Ctrl+C reaches the host twice (from the terminal and from
  // npm), and a second, unhandled SIGINT would kill it before the onFree hooks ran.
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());

  if (pidFile !== undefined) writeFileSync(pidFile, `${process.pid}\n`);
  emit('ready', { pid: process.pid, signal: signals ? DEFAULT_RELOAD_SIGNAL : null, ...(pidFile === undefined ? {} : { pidFile }) });

  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const command = { n: ++n, command: line };
    const words = line.split(/\s+/);
    try {
      if (words[0] === 'reload') emit('answer', { ...command, ...outcomeFields(await manager.reload()) });
      else if (words[0] === 'status') emit('answer', { ...command, status: manager.status() });
      else emit('answer', { ...command, ...(await options.handle(words, line)) });
    } catch (error) {
      emit('answer', { ...command, ...errorFields(error) });
    }
  }
  // End of input: Ctrl+D in a terminal stops the host; a driver's pipe only closes when it is done.
  await shutdown();
}
