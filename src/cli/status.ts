/**
 * `hotswap status [target] [--json]` and `hotswap ps [--json]`: what a host runs, and which hosts
 * of this user answer, read over their control sockets.
 */
import type { Command } from 'commander';
import { withSocket } from '../control/client.js';
import { listRecords, type HostRecord } from '../discovery/host-record.js';
import { runtimeDirPath } from '../discovery/runtime-dir.js';
import { describe } from '../errors.js';
import { withControl } from './control-target.js';

interface StatusAnswer {
  readonly pid: number;
  readonly name: string;
  readonly hotswapVersion: string;
  readonly nodeVersion: string;
  readonly uptimeMs: number;
  readonly memory: { readonly heapUsed: number; readonly rss: number };
  readonly eventLoopDelay?: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
  readonly manager: {
    readonly current: { readonly id: number; readonly inFlight: number; readonly plugins: readonly { name: string; version: string }[] } | undefined;
    readonly retired: readonly { id: number; inFlight: number; plugins: readonly string[] }[];
    readonly reloadCount: number;
    readonly failedCount: number;
    readonly recent?: readonly RecentLine[];
    readonly kept?: readonly { id: number; plugins: readonly string[] }[];
    readonly leaks: readonly { message: string }[];
  } | null;
  readonly hotfix: readonly { version: string; functions: readonly unknown[] }[] | null;
  /** A cluster primary speaking for its workers. */
  readonly cluster?: { readonly workers: readonly { worker: number; pid: number; status?: StatusAnswer; error?: string }[] };
}

type RecentLine =
  | { kind: string; ok: true; generation: number; summary: string; durationMs: number; rolledBackTo?: number }
  | { kind: string; ok: false; code: string; stage: string; plugin?: string; durationMs: number };

function recentLine(r: RecentLine): string {
  const ms = `${r.durationMs.toFixed(0)} ms`;
  if (!r.ok) return `${r.kind} failed at ${r.stage}${r.plugin === undefined ? '' : ` (plugin ${r.plugin})`}: ${r.code} (${ms})`;
  const back = r.rolledBackTo === undefined ? '' : ` (artifacts of generation ${r.rolledBackTo})`;
  return `${r.kind} -> generation ${r.generation}${back}: ${r.summary} (${ms})`;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const duration = (ms: number): string => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

function plugins(status: StatusAnswer): string {
  const current = status.manager?.current;
  if (status.cluster !== undefined) return `(cluster of ${status.cluster.workers.length} worker(s))`;
  if (status.manager === null) return '(no plugin manager)';
  if (current === undefined) return '(nothing loaded)';
  return current.plugins.map((p) => `${p.name}@${p.version}`).join(', ') || '(no plugins)';
}

function readable(status: StatusAnswer): string {
  const lines = [`${status.name} (pid ${status.pid}), up ${duration(status.uptimeMs)}, hotswap ${status.hotswapVersion}, Node ${status.nodeVersion}`];
  lines.push(`memory: heap ${mb(status.memory.heapUsed)}, rss ${mb(status.memory.rss)}`);
  const delay = status.eventLoopDelay;
  if (delay !== undefined) lines.push(`event-loop delay: p50 ${delay.p50Ms} ms, p99 ${delay.p99Ms} ms, max ${delay.maxMs} ms (since the control server started)`);
  const manager = status.manager;
  if (manager !== null) {
    const current = manager.current;
    lines.push(current === undefined ? 'generation: none loaded' : `generation ${current.id}: ${plugins(status)} (${current.inFlight} call(s) in flight)`);
    for (const retired of manager.retired) lines.push(`  draining generation ${retired.id} (${retired.plugins.join(', ')}): ${retired.inFlight} call(s) in flight`);
    lines.push(`reloads: ${manager.reloadCount} done, ${manager.failedCount} failed`);
    for (const recent of manager.recent ?? []) lines.push(`  ${recentLine(recent)}`);
    const kept = manager.kept ?? [];
    if (kept.length > 0) lines.push(`kept for rollback: ${kept.map((k) => `generation ${k.id} (${k.plugins.join(', ')})`).join('; ')}`);
    lines.push(`suspected leaks: ${manager.leaks.length === 0 ? 'none' : manager.leaks.length}`);
    for (const leak of manager.leaks) lines.push(`  ${leak.message}`);
  }
  if (status.hotfix !== null) {
    lines.push(status.hotfix.length === 0 ? 'patches: none' : `patches: ${status.hotfix.map((p) => `${p.version} (${p.functions.length} function(s))`).join(', ')}`);
  }
  for (const worker of status.cluster?.workers ?? []) {
    lines.push('', `worker ${worker.worker} (pid ${worker.pid}):`);
    if (worker.status === undefined) lines.push(`  not answering: ${worker.error ?? '?'}`);
    else lines.push(...readable(worker.status).trimEnd().split('\n').map((line) => `  ${line}`));
  }
  return lines.join('\n') + '\n';
}

export function registerStatusCommands(program: Command): void {
  program
    .command('status')
    .description('what a running host runs: generations, plugins, reloads, leaks, patches, memory (over its control socket)')
    .argument('[target]', 'the host: a pid, its name, or a control socket path; default: the only host running')
    .option('--json', 'print the host\'s answer as one JSON document')
    .action(async (target: string | undefined, options: { json?: boolean }) => {
      const status = (await withControl(target, (client) => client.call('status'))) as StatusAnswer;
      process.stdout.write(options.json === true ? `${JSON.stringify(status)}\n` : readable(status));
    });

  program
    .command('ps')
    .description('the hotswap hosts of this user on this machine')
    .option('--json', 'print one JSON document: a list of hosts')
    .action(async (options: { json?: boolean }) => {
      const records = listRecords(runtimeDirPath());
      const rows = await Promise.all(records.map((record) => describeHost(record)));
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no hotswap host of this user is running\n');
        return;
      }
      const header = ['PID', 'NAME', 'UPTIME', 'PLUGINS', 'GEN', 'PATCHES', 'HEAP', 'SOCKET'];
      const lines = rows.map((row) => [
        String(row.pid),
        row.name,
        row.status === undefined ? '-' : duration(row.status.uptimeMs),
        row.status === undefined ? (row.error ?? '(signal only)') : plugins(row.status),
        String(row.status?.manager?.current?.id ?? '-'),
        String(row.status?.hotfix?.length ?? '-'),
        row.status === undefined ? '-' : mb(row.status.memory.heapUsed),
        row.socket ?? '-',
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
      for (const line of [header, ...lines]) process.stdout.write(line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n');
    });
}

async function describeHost(record: HostRecord): Promise<{ pid: number; name: string; socket: string | undefined; status: StatusAnswer | undefined; error: string | undefined }> {
  const base = { pid: record.pid, name: record.name, socket: record.socket };
  if (record.socket === undefined) return { ...base, status: undefined, error: undefined };
  try {
    const status = (await withSocket(record.socket, (client) => client.call('status'), { timeoutMs: 3000 })) as StatusAnswer;
    return { ...base, status, error: undefined };
  } catch (error) {
    return { ...base, status: undefined, error: `(not answering: ${describe(error)})` };
  }
}
