/**
 * `hotswap rollback [target] [--to <generation>] [--data <json>] [--json]`: makes a running host
 * run the exact artifacts of an earlier generation again (by default the one before the current)
 * and prints the outcome. The generations a host can go back to are listed by `hotswap status`.
 */
import { InvalidArgumentError as CommanderArgumentError, type Command } from 'commander';
import { withControl } from './control-target.js';
import { NO_TIME_LIMIT_MS } from '../control/client.js';
import { parseData } from './reload.js';
import { printReloadOutcome, type WireReloadOutcome } from './reload-outcome.js';

function parseGeneration(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new CommanderArgumentError('a generation id is a positive integer');
  return Number(value);
}

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('run the exact artifacts of an earlier generation again (default: the one before the current) and print the outcome')
    .argument('[target]', 'the host: a pid, its name, or a control socket path; default: the only host running')
    .option('--to <generation>', 'the generation to go back to (`hotswap status` lists those kept)', parseGeneration)
    .option('--data <json>', 'data handed to the plugins\' onLoad hooks (JSON)')
    .option('--json', 'print the outcome as one JSON document')
    .action(async (target: string | undefined, options: { to?: number; data?: string; json?: boolean }) => {
      const data = options.data === undefined ? undefined : parseData(options.data);
      const params = { ...(options.to === undefined ? {} : { to: options.to }), ...(data === undefined ? {} : { data }) };
      const outcome = (await withControl(target, (client) => client.call('rollback', params, NO_TIME_LIMIT_MS))) as WireReloadOutcome;
      printReloadOutcome('rollback', outcome, options.json === true);
    });
}
