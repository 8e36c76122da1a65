/**
 * The trine demo, end to end with real processes: `npm run demo:trine`.
 *
 * 1. builds alpha, beta, gamma v1 (gamma imports beta, beta imports alpha) with the real
 *    `hotswap build`, starts the host (host.ts), and calls through gamma;
 * 2. builds ONLY alpha v2 and reloads with the real `hotswap reload --pid`: the outcome says
 *    alpha was replaced and beta and gamma were loaded afresh because of it, and a call through
 *    gamma reaches alpha v2;
 * 3. builds an alpha that imports gamma: the reload is refused, `cyclic dependency detected:
 *    alpha -> gamma -> beta -> alpha`, and generation 2 keeps serving;
 * 4. puts alpha v2's build back: the next reload finds nothing changed, and generation 2 stays.
 *
 * Exits 0 only if every check held. The host is killed in every path.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginDetail } from 'hotswap';
import { withDemoRun } from '../shared/demo-run.js';
import { exampleSource, shown } from '../shared/paths.js';
import { type ExampleHost, hotswap, text, type HostEvent, runDemo } from '../shared/processes.js';

const HOST = fileURLToPath(new URL('./host.js', import.meta.url));
const PLUGINS = exampleSource('trine', 'plugins');

const say = (line: string): void => console.log(line);

async function call(host: ExampleHost, name: string): Promise<HostEvent> {
  const answer = await host.ask(`call ${name}`);
  say(`> call ${name}`);
  say(answer.error === undefined ? `  ${text(answer.greeting)}   (${text(answer.path)})` : `  error: ${text(answer.error)}`);
  return answer;
}

async function reload(host: ExampleHost): Promise<HostEvent> {
  const reloaded = host.next('reload');
  await hotswap(['reload', '--pid', String(host.pid)], say);
  const outcome = await reloaded;
  if (outcome.ok === true) {
    say(`  reload ok, generation ${text(outcome.generation)}: ${text(outcome.summary)}`);
  } else {
    say(`  reload REFUSED at stage ${text(outcome.stage)}: ${text(outcome.code)}: ${text(outcome.message)}`);
  }
  return outcome;
}

function main(): Promise<boolean> {
  return withDemoRun('hotswap-trine-', say, 50_000, async ({ outDir, checks, start }) => {
    const v1 = ['alpha', 'beta', 'gamma'].map((name) => shown(join(PLUGINS, 'v1', name)));
    await hotswap(['build', '--version', 'v1', ...v1, outDir], say);
    const host = await start({
      script: HOST,
      args: ['--plugins', outDir, '--free-delay', '200'],
      onLog: (line) => say(`  host | ${line}`),
    });
    say(`host pid ${host.pid} is serving generation 1`);
    const first = await call(host, 'Ada');
    checks.check(first.path === 'gamma v1 -> beta v1 -> alpha v1' && first.greeting === 'hello, Ada', 'the call goes gamma -> beta -> alpha v1');

    say('');
    say('only alpha is rebuilt, as v2:');
    await hotswap(['build', '--version', 'v2', shown(join(PLUGINS, 'v2', 'alpha')), outDir], say);
    const freed = host.next('freed', (e) => e.generation === 1);
    const outcome = await reload(host);
    const details = (outcome.details ?? []) as PluginDetail[];
    for (const d of details) say(`    ${d.name}: ${d.status} ${d.previousVersion ?? '?'} -> ${d.version}${d.reason === undefined ? '' : ` (${d.reason})`}`);
    checks.check(
      outcome.ok === true &&
        JSON.stringify(details) ===
          JSON.stringify([
            { name: 'alpha', version: 'v2', status: 'ok', previousVersion: 'v1' },
            { name: 'beta', version: 'v1', status: 'ok', previousVersion: 'v1', reason: 'a plugin it imports was reloaded: alpha' },
            { name: 'gamma', version: 'v1', status: 'ok', previousVersion: 'v1', reason: 'a plugin it imports was reloaded: beta' },
          ]),
      'alpha was replaced; beta and gamma were loaded afresh onto it, and the outcome says why',
    );
    const second = await call(host, 'Ada');
    checks.check(second.path === 'gamma v1 -> beta v1 -> alpha v2' && second.greeting === 'hi there, Ada', 'a call through gamma reaches alpha v2');
    await freed;
    checks.check(
      ['alpha', 'beta', 'gamma'].every((name) => host?.logs.includes(`${name} v1: onFree`)),
      'generation 1 was freed: the old alpha, beta and gamma instances all got onFree',
    );

    say('');
    say('an alpha that imports gamma (alpha -> gamma -> beta -> alpha):');
    await hotswap(['build', '--version', 'v3', shown(join(PLUGINS, 'cycle', 'alpha')), outDir], say);
    const refused = await reload(host);
    checks.check(
      refused.ok === false &&
        refused.stage === 'dependencies' &&
        refused.code === 'HOTSWAP_ERR_CYCLIC_DEPENDENCY' &&
        refused.message === 'cyclic dependency detected: alpha -> gamma -> beta -> alpha',
      'the reload is refused, naming the cycle',
    );
    checks.check(!host.logs.includes('alpha v3: onLoad'), 'no hook of the refused generation ran');
    const third = await call(host, 'Ada');
    checks.check(third.path === 'gamma v1 -> beta v1 -> alpha v2' && third.greeting === 'hi there, Ada', 'generation 2 keeps serving');

    say('');
    say('alpha v2 built again (fixing the build): nothing to reload:');
    await hotswap(['build', '--version', 'v2', shown(join(PLUGINS, 'v2', 'alpha')), outDir], say);
    const fixed = await reload(host);
    checks.check(
      fixed.ok === true &&
        fixed.changed === false &&
        fixed.generation === 2 &&
        fixed.summary === 'nothing changed: alpha v2 (unchanged), beta v1 (unchanged), gamma v1 (unchanged)',
      'the same build changes nothing: no generation is built, generation 2 stays current',
    );
  });
}

runDemo(main, 'dependents followed alpha, and a cycle was refused while the old generation served.');
