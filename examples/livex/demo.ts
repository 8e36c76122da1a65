/**
 * The livex demo, end to end with real processes: `npm run demo:livex`.
 *
 * 1. builds queue v1 with the real `hotswap build` and starts the host (host.ts);
 * 2. v1 schedules a task due now: it runs v1's live function with v1's live type;
 * 3. builds queue v2 (a new `live_runTask`, a `Live_Task` with a new field and a method);
 * 4. v1 schedules three tasks due in a few seconds, and the host is reloaded at once with the
 *    real `hotswap reload --pid`, while they are pending;
 * 5. the three jobs fire after the reload: they run v2's `live_runTask`, with their data (written
 *    by v1) unwrapped into v2's `Live_Task` (the new field has its default, the method works).
 *    Meanwhile v1 is freed: a pending job holds a name and plain data, not v1's code.
 *
 * Exits 0 only if every check held. The host is killed in every path.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDemoRun } from '../shared/demo-run.js';
import { exampleSource, shown } from '../shared/paths.js';
import { hotswap, text, type HostEvent, runDemo } from '../shared/processes.js';

const HOST = fileURLToPath(new URL('./host.js', import.meta.url));
const PLUGINS = exampleSource('livex', 'plugins');
/**
 * How long the tasks scheduled by v1 wait. The reload (a CLI process sending a signal, then loading
 * one small plugin) has to happen within it; a few seconds is a wide margin on any machine.
 */
const DELAY_MS = 3000;

const say = (line: string): void => console.log(line);

function jobLine(job: HostEvent): string {
  return `  job | ${text(job.output)}   [fields: ${(job.fields as string[]).join(', ')}]`;
}

function main(): Promise<boolean> {
  return withDemoRun('hotswap-livex-', say, 50_000, async ({ outDir, checks, start }) => {
    await hotswap(['build', '--version', 'v1', shown(join(PLUGINS, 'v1', 'queue')), outDir], say);
    const host = await start({
      script: HOST,
      // Short: v1 is freed long before the jobs it scheduled fire.
      args: ['--plugins', outDir, '--free-delay', '100'],
      onLog: (line) => say(`  host | ${line}`),
      onEvent: (event) => {
        if (event.event === 'job') say(jobLine(event));
        if (event.event === 'jobError') say(`  job error | ${JSON.stringify(event)}`);
      },
    });
    say(`host pid ${host.pid} is serving queue v1`);

    const warmUpRan = host.next('job', (e) => e.task === 1);
    say('> schedule 1 0 warm-up');
    await host.ask('schedule 1 0 warm-up');
    const warmUp = await warmUpRan;
    checks.check(
      warmUp.ranBy === 'v1' && (warmUp.fields as string[]).join() === 'id,text,scheduledBy',
      'a task due now ran on v1, as v1\'s Live_Task',
    );

    say('');
    say('v2 is built (the host does not load it yet):');
    await hotswap(['build', '--version', 'v2', shown(join(PLUGINS, 'v2', 'queue')), outDir], say);

    const jobs = [2, 3, 4].map((task) => host.next('job', (e) => e.task === task));
    const reloaded = host.next('reload');
    const freed = host.next('freed', (e) => e.generation === 1);
    say(`> schedule 3 ${DELAY_MS} email`);
    const scheduled = await host.ask(`schedule 3 ${DELAY_MS} email`);
    say(`  scheduled tasks ${(scheduled.scheduled as number[]).join(', ')} (by ${text(scheduled.by)}), due in ${DELAY_MS / 1000} s`);
    checks.check(scheduled.by === 'queue v1' && scheduled.pending === 3, 'v1 scheduled three jobs; they are pending');

    await hotswap(['reload', '--pid', String(host.pid)], say);
    const outcome = await reloaded;
    say(`  reload: ${outcome.ok === true ? `ok, ${text(outcome.summary)}; jobs still pending right after the swap: ${text(outcome.pending)}` : JSON.stringify(outcome)}`);
    checks.check(outcome.ok === true && outcome.summary === 'queue v1 -> v2', 'the host reloaded queue v1 -> v2');
    checks.check(outcome.pending === 3, 'the three jobs v1 scheduled were still pending when v2 became current');

    const ran = await Promise.all(jobs);
    const freedFirst = host.events.findIndex((e) => e.event === 'freed') < host.events.findIndex((e) => e.event === 'job' && e.task === 2);
    for (const job of ran) {
      checks.check(
        job.ranBy === 'v2' &&
          job.scheduledBy === 'v1' &&
          (job.fields as string[]).join() === 'id,text,scheduledBy,priority' &&
          job.output === `v2 ran task #${text(job.task)} "email ${Number(job.task) - 1}/3" (priority normal, scheduled by v1)`,
        `task ${text(job.task)}, scheduled by v1, ran v2's live_runTask with its data unwrapped into v2's Live_Task`,
      );
    }
    await freed;
    checks.check(host.logs.some((line) => /^queue v1: onFree/.test(line)), 'v1 was freed (its onFree ran)');
    if (freedFirst) say('  (v1 was freed before its jobs fired: they held only a name and plain data)');
    checks.check(!host.events.some((e) => e.event === 'jobError'), 'no job failed');
    const taskNumbering = await host.ask('schedule 1 0 numbering');
    checks.check((taskNumbering.scheduled as number[])[0] === 5, 'v2 went on numbering tasks where v1 stopped (snapshot/restore)');
  });
}

runDemo(main, 'jobs scheduled by v1 ran v2\'s live function, with v2\'s live type.');
