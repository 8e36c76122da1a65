/**
 * `hotswap events [target] [--json]`: follows a running host's events (reloads and rollbacks,
 * generations freed, suspected leaks, live job errors, hotfix applies, reverts, retries) until
 * interrupted, or until the host goes away.
 */
import type { Command } from 'commander';
import type { ControlEvent } from '../control/events.js';
import { withControl } from './control-target.js';

interface EventMessage {
  kind?: string;
  generation?: number;
  version?: string;
  outcome?: { ok?: boolean; error?: { code?: string }; summary?: string };
  id?: number;
  plugins?: readonly { name: string; version: string }[];
  fn?: string;
  error?: { code?: string; message?: string };
  message?: string;
}

/** What an event says, after its channel name. */
function detail(channel: string, message: EventMessage): string {
  switch (channel) {
    case 'hotswap:generation:freed':
      return `generation ${message.id ?? '?'}: ${(message.plugins ?? []).map((p) => `${p.name}@${p.version}`).join(', ') || '(no version freed)'}`;
    case 'hotswap:leak:suspected':
      return message.message ?? '';
    case 'hotswap:job:error':
      return `job ${message.id ?? '?'} (${message.fn ?? '?'}): ${message.error?.message ?? '?'}`;
    default: {
      const outcome = message.outcome;
      const result = outcome === undefined ? '' : outcome.ok === true ? ` ok${outcome.summary === undefined ? '' : `: ${outcome.summary}`}` : ` failed: ${outcome.error?.code ?? '?'}`;
      const what = [message.kind, message.generation === undefined ? undefined : `generation ${message.generation}`, message.version].filter((x) => x !== undefined).join(' ');
      return `${what}${result}`.trim();
    }
  }
}

function summary(event: ControlEvent): string {
  const text = detail(event.channel, event.message as EventMessage);
  const from = event.worker === undefined ? '' : ` [worker ${event.worker.worker}, pid ${event.worker.pid}]`;
  return `${new Date(event.at).toISOString()}${from} ${event.channel}${text === '' ? '' : ` ${text}`}`;
}

export function registerEventsCommand(program: Command): void {
  program
    .command('events')
    .description('follow a running host\'s events (reloads, rollbacks, frees, suspected leaks, job errors, hotfix applies and reverts) until interrupted')
    .argument('[target]', 'the host: a pid, its name, or a control socket path; default: the only host running')
    .option('--json', 'print each event as one JSON line')
    .action(async (target: string | undefined, options: { json?: boolean }) => {
      await withControl(target, async (client) => {
        await client.subscribe((event) => process.stdout.write(options.json === true ? `${JSON.stringify(event)}\n` : `${summary(event)}\n`));
        // On stderr in both modes: --json keeps stdout to the events alone.
        process.stderr.write(`following ${client.host.name} (pid ${client.host.pid}); Ctrl+C to stop\n`);
        const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
        await Promise.race([client.closed, interrupted]);
      });
    });
}
