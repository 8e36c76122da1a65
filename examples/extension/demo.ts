/**
 * The extension demo, end to end with real processes: `npm run demo:extension`.
 *
 * 1. builds math v1 and text v1 with the real `hotswap build` into a temp dir;
 * 2. starts the host (host.ts) and asks it for its commands: math's and text's, all from the
 *    extension (command table) of generation 1;
 * 3. builds ONLY math v2, and reloads the host with the real `hotswap reload --pid`;
 * 4. asks again: generation 2's table has math v2's commands AND text v1's, because text, carried
 *    over unchanged, got onVault with the new table; math v1 is freed, text v1 is not, and the
 *    `freed` event of generation 1 lists math v1 only.
 *
 * Exits 0 only if every check held. The host is killed in every path.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDemoRun } from '../shared/demo-run.js';
import { exampleSource, shown } from '../shared/paths.js';
import { type ExampleHost, hotswap, text, type HostEvent, runDemo } from '../shared/processes.js';

const HOST = fileURLToPath(new URL('./host.js', import.meta.url));
const PLUGINS = exampleSource('extension', 'plugins');

interface Listed {
  command: string;
  by: string;
  help: string;
}

const say = (line: string): void => console.log(line);

/** Sends a command, prints it and its answer. */
async function ask(host: ExampleHost, command: string): Promise<HostEvent> {
  const answer = await host.ask(command);
  say(`> ${command}`);
  if (Array.isArray(answer.commands)) {
    for (const c of answer.commands as Listed[]) say(`  ${c.command.padEnd(8)} ${c.by.padEnd(8)} ${c.help}`);
    say(`  (generation ${text(answer.generation)})`);
  } else if (answer.error !== undefined) {
    say(`  error: ${text(answer.error)}`);
  } else {
    say(`  ${text(answer.result)}   (${text(answer.by)}, generation ${text(answer.generation)})`);
  }
  return answer;
}

function table(answer: HostEvent): string {
  return ((answer.commands ?? []) as Listed[]).map((c) => `${c.command}=${c.by}`).sort().join(' ');
}

function main(): Promise<boolean> {
  return withDemoRun('hotswap-extension-', say, 50_000, async ({ outDir, checks, start }) => {
    await hotswap(['build', '--version', 'v1', shown(join(PLUGINS, 'v1', 'math')), shown(join(PLUGINS, 'v1', 'text')), outDir], say);
    // A short free delay, so the demo can show math v1 being freed.
    const host = await start({
      script: HOST,
      args: ['--plugins', outDir, '--free-delay', '200'],
      onLog: (line) => say(`  host | ${line}`),
    });
    say(`host pid ${host.pid} is serving generation 1`);

    const help1 = await ask(host, 'help');
    checks.check(
      table(help1) === 'add=math v1 mul=math v1 reverse=text v1 upper=text v1',
      'generation 1: math v1 and text v1 filled the command table',
    );
    const add1 = await ask(host, 'add 2 3');
    checks.check(add1.result === '5' && add1.by === 'math v1', 'add is math v1: 5');
    await ask(host, 'upper hotswap');

    say('');
    say('only math is rebuilt, as v2 (add shows its working, pow is new); text is left alone:');
    await hotswap(['build', '--version', 'v2', shown(join(PLUGINS, 'v2', 'math')), outDir], say);
    const reloaded = host.next('reload');
    const freed = host.next('freed', (e) => e.generation === 1);
    await hotswap(['reload', '--pid', String(host.pid)], say);
    const outcome = await reloaded;
    say(`  reload: ${outcome.ok === true ? `ok, generation ${text(outcome.generation)}: ${text(outcome.summary)}` : JSON.stringify(outcome)}`);
    checks.check(
      outcome.ok === true && outcome.summary === 'math v1 -> v2, text v1 (unchanged)',
      'the reload replaced math and carried text over',
    );
    checks.check(
      host.logs.some((line) => /^text v1: onVault #2 .*generation 2$/.test(line)),
      'text v1, carried over, got onVault with generation 2\'s vault (its second: the same instance)',
    );

    const help2 = await ask(host, 'help');
    checks.check(
      table(help2) === 'add=math v2 mul=math v2 pow=math v2 reverse=text v1 upper=text v1',
      'generation 2: math v2\'s commands AND text v1\'s are in the new table',
    );
    const add2 = await ask(host, 'add 2 3');
    checks.check(add2.result === '2 + 3 = 5' && add2.by === 'math v2' && add2.generation === 2, 'add is math v2 now');
    const pow = await ask(host, 'pow 2 10');
    checks.check(pow.result === '1024' && pow.by === 'math v2', 'pow, new in math v2, is there');
    const upper2 = await ask(host, 'upper still here');
    checks.check(upper2.result === 'STILL HERE' && upper2.by === 'text v1' && upper2.generation === 2, 'upper still answers, from text v1, in generation 2');

    const freedEvent = await freed;
    const freedPlugins = ((freedEvent.plugins ?? []) as { name: string; version: string }[]).map((p) => `${p.name} ${p.version}`);
    say(`  freed: generation ${text(freedEvent.generation)}: ${freedPlugins.join(', ')}`);
    checks.check(
      host.logs.includes('math v1: onFree') && !host.logs.includes('text v1: onFree'),
      'generation 1 was freed: math v1 got onFree, text v1 did not (generation 2 still uses it)',
    );
    checks.check(freedPlugins.join(', ') === 'math v1', 'the freed event lists math v1 only: text v1 lives on in generation 2');
  });
}

runDemo(main, 'the new generation\'s extension was filled by the reloaded plugin and the carried-over one.');
