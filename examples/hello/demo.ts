/**
 * The hello demo, end to end with real processes: `npm run demo`.
 *
 * 1. copies the `hello` plugin source to a temp dir and builds v1 with the real `hotswap build`;
 * 2. starts the host (host.ts, which answers on a control socket) as a child process and puts
 *    steady HTTP load on it;
 * 3. edits the greeting to v2 and rebuilds while the load runs;
 * 4. reloads it over its control socket with the real `hotswap reload <pid> --json`, and prints the
 *    outcome the CLI printed (a failed reload ends the demo with exit 1);
 * 5. keeps the load going until v2 answers and a while after, then prints what the clients saw
 *    and what the host measured (event-loop delay, heap).
 *
 * Exits 0 only if not one request failed and v2 answered. The host is killed in every path.
 */
import { runDemo } from '../shared/processes.js';
import { rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJson, Load, type LoadReport } from './load.js';
import { HostProcess, runHotswap } from './processes.js';

/** dist/examples/hello/ → examples/hello/plugins/hello/ in the source tree. */
const PLUGIN_SOURCE = fileURLToPath(new URL('../../../examples/hello/plugins/hello/', import.meta.url));
/** Answers to wait for in each phase: enough for a steady state, small enough to take a second or two. */
const ANSWERS_PER_PHASE = 1000;
/** The whole demo is abandoned (host killed, exit 1) after this long. */
const DEADLINE_MS = 50_000;

interface Stats {
  requests: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  heapUsedBytes: number;
  gc: boolean;
  lastReloadAt?: number;
  versions: Record<string, { count: number; firstAt: number }>;
}

const say = (line: string): void => console.log(line);

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}: was the example changed?`);
  await writeFile(file, text.split(from).join(to));
}

async function build(label: string, pluginDir: string, outDir: string): Promise<void> {
  say(`$ hotswap build --version ${label} ${pluginDir} ${outDir}`);
  const run = await runHotswap(['build', '--version', label, pluginDir, outDir]);
  if (run.code !== 0) throw new Error(`hotswap build exited ${run.code}:\n${run.stderr}`);
  say(`  ${run.stdout.trim()}`);
}

/** The reload outcome as `hotswap reload --json` prints it (the manager's outcome, errors made plain). */
interface ReloadOutcome {
  readonly ok: boolean;
  readonly generation?: number;
  readonly summary?: string;
  readonly durationMs: number;
  readonly stage?: string;
  readonly plugin?: string;
  readonly error?: { readonly code?: string; readonly message: string };
}

/**
 * Reloads the host over its control socket with the real CLI and prints the outcome it printed, in
 * the words `hotswap reload` without --json uses. Throws unless the reload succeeded.
 */
async function reload(pid: number): Promise<ReloadOutcome> {
  say(`$ hotswap reload ${pid} --json`);
  const run = await runHotswap(['reload', String(pid), '--json']);
  let outcome: ReloadOutcome;
  try {
    outcome = JSON.parse(run.stdout) as ReloadOutcome;
  } catch {
    throw new Error(`hotswap reload exited ${run.code} without an outcome:\n${run.stdout}${run.stderr}`);
  }
  if (!outcome.ok || run.code !== 0) {
    const where = `${outcome.stage ?? '?'}${outcome.plugin === undefined ? '' : `, plugin ${outcome.plugin}`}`;
    throw new Error(`hotswap reload exited ${run.code}: reload failed (${where}): ${outcome.error?.code ?? '?'}: ${outcome.error?.message ?? ''}`);
  }
  say(`  generation ${outcome.generation ?? '?'} is current: ${outcome.summary ?? ''} (${ms(outcome.durationMs)})`);
  return outcome;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function ms(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(1)} ms`;
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

async function main(): Promise<boolean> {
  const work = await mkdtemp(join(tmpdir(), 'hotswap-hello-'));
  const pluginDir = join(work, 'plugins', 'hello');
  const outDir = join(work, 'build');
  let host: HostProcess | undefined;
  let load: Load | undefined;
  const deadline = setTimeout(() => {
    console.error(`demo: not done after ${DEADLINE_MS / 1000} s, giving up`);
    host?.child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    process.exit(1);
  }, DEADLINE_MS);
  try {
    await cp(PLUGIN_SOURCE, pluginDir, { recursive: true });
    await build('v1', pluginDir, outDir);

    host = await HostProcess.start({
      pluginDir: outDir,
      // Short, so the demo can show v1 being freed and weigh the heap after it.
      freeDelay: 500,
      execArgv: ['--expose-gc'],
      onLog: (line) => say(`  host | ${line}`),
    });
    const { port, pid } = host;
    say(`host pid ${pid} listening on 127.0.0.1:${port}; starting load (8 keep-alive connections)`);
    load = new Load({ port, concurrency: 8, maxRequests: 200_000, maxDurationMs: 40_000 }).start();
    await load.untilAnswers('v1', ANSWERS_PER_PHASE);

    // Edit and rebuild while the host serves: the build runs in another process.
    await edit(join(pluginDir, 'index.ts'), "const VERSION = 'v1'", "const VERSION = 'v2'");
    await edit(join(pluginDir, 'index.ts'), 'Hello, ${name}!', 'Hi there, ${name}!');
    await build('v2', pluginDir, outDir);

    // A window of steady load without a reload, to compare the reload window with.
    await getJson(port, '/__stats?reset=1');
    await load.untilAnswers('v1', load.count('v1') + ANSWERS_PER_PHASE);

    const steady = await getJson<Stats>(port, '/__stats?reset=1');
    const before = await getJson<Stats>(port, '/__stats?gc=1');
    await getJson(port, '/__stats?reset=1'); // the collection's pause is not the reload's

    const freed = host.next('freed');
    const outcome = await reload(pid);
    await load.untilAnswers('v2', ANSWERS_PER_PHASE);
    const during = await getJson<Stats>(port, '/__stats?reset=1');
    const report = await load.stop();
    load = undefined;
    await freed;
    const after = await getJson<Stats>(port, '/__stats?gc=1');

    return summarise(report, outcome, steady, during, before, after);
  } finally {
    clearTimeout(deadline);
    await load?.stop();
    await host?.kill();
    await rm(work, { recursive: true, force: true });
  }
}

function summarise(report: LoadReport, outcome: ReloadOutcome, steady: Stats, during: Stats, before: Stats, after: Stats): boolean {
  const v1 = report.byVersion.get('v1') ?? 0;
  const v2 = report.byVersion.get('v2') ?? 0;
  const lastV1 = Math.max(...report.answered.filter((a) => a.version === 'v1').map((a) => a.request));
  const firstV2 = Math.min(...report.answered.filter((a) => a.version === 'v2').map((a) => a.request));
  const firstV2At = during.versions.v2?.firstAt;
  const reloadToV2 = firstV2At !== undefined && during.lastReloadAt !== undefined ? firstV2At - during.lastReloadAt : undefined;
  const cpu = cpus();
  say('');
  say(`hotswap hello demo: Node ${process.version}, ${cpu[0]?.model ?? 'unknown cpu'} x ${cpu.length}`);
  say(
    table([
      ['requests answered by v1', String(v1)],
      ['requests answered by v2', String(v2)],
      ['failed requests (non-2xx or errors)', String(report.failed)],
      ['reload() until v2 was current (host)', ms(outcome.durationMs)],
      ['reload began -> first v2 answer (host)', ms(reloadToV2)],
      ['longest event-loop delay, steady load', ms(steady.loopDelayMaxMs)],
      ['longest event-loop delay, reload window', `${ms(during.loopDelayMaxMs)} (p99 ${ms(during.loopDelayP99Ms)})`],
      [`heap before -> after${before.gc ? ' (after GC)' : ''}`, `${megabytes(before.heapUsedBytes)} -> ${megabytes(after.heapUsedBytes)}`],
      ['request counter across the reload', `last v1 #${lastV1}, first v2 #${firstV2} (state kept)`],
    ]),
  );
  for (const failure of report.failures) say(`  failure: ${failure}`);
  const ok = report.failed === 0 && v2 > 0 && firstV2 > lastV1;
  say(ok ? '\nOK: v2 is live, no request failed, state kept.' : '\nFAILED: see above.');
  return ok;
}

runDemo(main);
