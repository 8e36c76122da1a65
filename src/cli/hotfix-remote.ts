/**
 * `hotswap hotfix apply <target> <patch.json>`, `hotswap hotfix revert <target> <version>`,
 * `hotswap hotfix list <target>`: the hotfix engine of a running host, over its control socket,
 * printing its real outcomes. A refused or failed patch exits 1, with the engine's code and reason.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { readInput } from '../inputs.js';
import { withControl } from './control-target.js';
import { NO_TIME_LIMIT_MS } from '../control/client.js';
import { isClusterOutcome, printClusterOutcome, type WireClusterOutcome } from './cluster-outcome.js';
import { EXIT_FAILED } from './report.js';

interface WireOutcome {
  readonly ok: boolean;
  readonly version?: string;
  readonly alreadyApplied?: boolean;
  readonly functions?: readonly { file: string; name: string; backend?: string }[];
  readonly pauseMs?: number;
  readonly threads?: number;
  readonly error?: { code?: string; message: string };
  readonly file?: string;
  readonly function?: string;
}

type PatchList = readonly { version: string; appliedAt: string; functions: readonly { file: string; name: string }[] }[];

function printOutcome(verb: 'applied' | 'reverted', outcome: WireOutcome | WireClusterOutcome, json: boolean): void {
  if (isClusterOutcome(outcome)) {
    printClusterOutcome(verb === 'applied' ? 'hotfix apply' : 'hotfix revert', outcome, json, (o) => {
      const w = o as WireOutcome;
      return `${verb} ${w.version ?? '?'}${w.alreadyApplied === true ? ' (already applied)' : ''}, pause ${(w.pauseMs ?? 0).toFixed(2)} ms`;
    });
    return;
  }
  if (json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
  if (!outcome.ok) {
    process.exitCode = EXIT_FAILED;
    if (!json) {
      const where = [outcome.file, outcome.function].filter((x) => x !== undefined).join(', ');
      process.stderr.write(`error ${outcome.error?.code ?? '?'}${where === '' ? '' : ` (${where})`}: ${outcome.error?.message ?? 'failed'}\n`);
    }
    return;
  }
  if (json) return;
  const functions = outcome.functions ?? [];
  const already = outcome.alreadyApplied === true ? ' (already applied: nothing changed)' : '';
  process.stdout.write(`${verb} ${outcome.version ?? '?'}${already}: ${functions.length} function(s) in ${outcome.threads ?? 0} thread(s), pause ${(outcome.pauseMs ?? 0).toFixed(2)} ms\n`);
  for (const fn of functions) process.stdout.write(`  ${fn.file}#${fn.name}${fn.backend === undefined ? '' : ` (${fn.backend})`}\n`);
}

export function registerHotfixRemoteCommands(hotfix: Command): void {
  hotfix
    .command('apply')
    .description('apply a patch (from hotswap hotfix build) to a running host and print the outcome')
    .argument('<target>', 'the host: a pid, its name, or a control socket path')
    .argument('<patch>', 'the patch file (JSON)')
    .option('--json', 'print the engine\'s outcome as one JSON document')
    .action(async (target: string, file: string, options: { json?: boolean }) => {
      const text = await readInput('the patch', file, 'give the file hotswap hotfix build --out wrote');
      let patch: unknown;
      try {
        patch = JSON.parse(text);
      } catch (error) {
        throw new InvalidArgumentError('patch', `${file} is not JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      const outcome = (await withControl(target, (client) => client.call('hotfix.apply', { patch }, NO_TIME_LIMIT_MS))) as WireOutcome;
      printOutcome('applied', outcome, options.json === true);
    });
  hotfix
    .command('revert')
    .description('revert an applied patch in a running host and print the outcome')
    .argument('<target>', 'the host: a pid, its name, or a control socket path')
    .argument('<version>', 'the version of the patch')
    .option('--json', 'print the engine\'s outcome as one JSON document')
    .action(async (target: string, version: string, options: { json?: boolean }) => {
      const outcome = (await withControl(target, (client) => client.call('hotfix.revert', { version }, NO_TIME_LIMIT_MS))) as WireOutcome;
      printOutcome('reverted', outcome, options.json === true);
    });
  hotfix
    .command('list')
    .description('the patches applied in a running host')
    .argument('<target>', 'the host: a pid, its name, or a control socket path')
    .option('--json', 'print the list as one JSON document')
    .action(async (target: string, options: { json?: boolean }) => {
      const answer = (await withControl(target, (client) => client.call('hotfix.list'))) as PatchList | { workers: { worker: number; pid: number; patches: PatchList }[] };
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(answer)}\n`);
        return;
      }
      const print = (list: PatchList, indent: string): void => {
        if (list.length === 0) process.stdout.write(`${indent}no patch applied\n`);
        for (const patch of list) process.stdout.write(`${indent}${patch.version} (applied ${patch.appliedAt}): ${patch.functions.map((f) => `${f.file}#${f.name}`).join(', ')}\n`);
      };
      if (!('workers' in answer)) {
        print(answer, '');
        return;
      }
      for (const worker of answer.workers) {
        process.stdout.write(`worker ${worker.worker} (pid ${worker.pid}):\n`);
        print(worker.patches, '  ');
      }
    });
}
