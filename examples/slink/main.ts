/**
 * The slink app: the plugins of plugins/ statically linked (generated/static-plugins.ts, written by
 * `hotswap build --static-linking`), run by a PluginManager with the same lifecycle as dynamic
 * plugins: dependency order, onLoad/export/onVault, live functions and types, live jobs, onFree.
 * No artifact is loaded at run time, so the whole app can be one file (an esbuild bundle) or one
 * executable (a Node.js single executable application), and a debugger sees the plugins' sources.
 *
 *   node --enable-source-maps dist/examples/slink/main.js      compiled by tsc, in this repository
 *   node --enable-source-maps app.cjs                           bundled by demo.ts (one file)
 *
 * Prints what each step did; exits 1 if a step did not do what it should.
 */
import { live, PluginManager, type LiveData } from 'hotswap';
import { staticPlugins } from './generated/static-plugins.js';
import type { NotesExtension } from './types.js';

// CommonJS-compatible (no top-level await): a single executable application runs a CommonJS script.
async function main(): Promise<boolean> {
  const formatted: string[] = [];
  let onFormatted: ((text: string) => void) | undefined;
  const manager = new PluginManager<NotesExtension>({
    staticPlugins,
    extension: () => ({
      formatted(text) {
        formatted.push(text);
        onFormatted?.(text);
      },
    }),
  });
  let ok = true;
  const expect = (condition: boolean, what: string): void => {
    if (!condition) {
      ok = false;
      console.log(`UNEXPECTED: ${what}`);
    }
  };

  console.log(`slink: statically linked plugins ${staticPlugins.map((p) => `${p.name} ${p.version}`).join(', ')}`);
  const loaded = await manager.load();
  if (!loaded.ok) {
    console.log(`load failed at ${loaded.stage}: ${loaded.error.code}: ${loaded.error.message}`);
    return false;
  }
  console.log(`load: ok, generation ${loaded.generation}: ${loaded.summary}`);

  const first = manager.invoke<number>('notes', 'add', 'buy milk');
  const second = manager.invoke<number>('notes', 'add', 'write the slink demo');
  console.log(`notes.add("buy milk") = ${first}; notes.add("write the slink demo") = ${second}`);
  const list = manager.invoke<string[]>('notes', 'list');
  console.log(`notes.list() = ${list.join(' | ')}`);
  expect(list.length === 2, 'two notes listed');

  // A live function, called by name through the current generation's vault.
  const data = manager.invoke<LiveData>('notes', 'note', second);
  console.log(`live.isLiveData(notes.note(${second})) = ${live.isLiveData(data)}`);
  const text = manager.callLive<string>('live_formatNote', data);
  console.log(`callLive('live_formatNote') = ${text}`);
  expect(text === '[note 2] write the slink demo (4 words)', 'the live function formatted note 2');

  // A live job: a name and plain data in the manager's scheduler; it calls the live function.
  const jobRan = new Promise<string>((resolve) => (onFormatted = resolve));
  const job = manager.invoke<number>('notes', 'remind', first, 10);
  console.log(`notes.remind(${first}) scheduled job ${job}; pending jobs: ${manager.jobs.pending}`);
  console.log(`job ${job} ran live_formatNote: ${await jobRan}`);
  expect(formatted.length === 2, 'the job reported through the extension');

  // A throw in plugin code: with source maps on, the stack names the plugin's .ts file and line.
  try {
    manager.invoke('notes', 'fail');
    expect(false, 'notes.fail() should throw');
  } catch (error) {
    const stack = error instanceof Error ? (error.stack ?? '') : String(error);
    console.log(`notes.fail() threw:\n${stack.split('\n').slice(0, 3).join('\n')}`);
  }

  const reload = await manager.reload();
  console.log(`reload(): ${reload.ok ? 'ok?!' : `refused, ${reload.error.code}`}`);
  expect(!reload.ok && reload.error.code === 'HOTSWAP_ERR_STATIC_RELOAD', 'statically linked plugins cannot be reloaded');

  await manager.close();
  console.log('close(): done');
  return ok;
}

main().then(
  (ok) => {
    console.log(ok ? 'slink: OK' : 'slink: FAILED');
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    console.error('slink failed:', error);
    process.exitCode = 1;
  },
);
