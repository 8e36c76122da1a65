/**
 * The record a hotswap host leaves in the runtime directory while it can be operated from
 * outside: `<pid>.json`, written 0600 and atomically (a reader never sees half a record), removed
 * when the process exits normally. A record left by a process that was killed is recognised as
 * stale (dead pid, or another process's start time on the same pid) and removed by readers.
 */
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { HOTSWAP_VERSION } from '../version.js';
import { isAlive, processStartTicks } from './process-identity.js';

export interface HostRecord {
  readonly pid: number;
  /** `HOTSWAP_NAME` from the environment, else the entry script's name without extension. */
  readonly name: string;
  /** When the process started (ISO 8601). */
  readonly startedAt: string;
  /** The kernel's start time of the process (Linux), to tell it from a later process of the same pid. */
  readonly startTicks?: string;
  readonly hotswapVersion: string;
  readonly nodeVersion: string;
  readonly cwd: string;
  readonly argv: readonly string[];
  /** Signals the host reloads on (`manager.reloadOnSignal()`); any other would run its default action. */
  readonly reloadSignals: readonly string[];
  /** The control socket the host answers on (`startControl()`), if any. */
  readonly socket?: string;
}

/** The name a host goes by: `HOTSWAP_NAME`, else its entry script's base name (`server` for server.ts). */
export function hostName(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): string {
  const explicit = env['HOTSWAP_NAME'];
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  const entry = argv[1];
  if (entry === undefined || entry === '') return 'node';
  const file = basename(entry);
  return file.slice(0, file.length - extname(file).length) || file;
}

export function recordPath(dir: string, pid: number): string {
  return join(dir, `${pid}.json`);
}

/** This process's record, as it would be written now. */
export function describeThisProcess(reloadSignals: readonly string[], socket?: string, name?: string): HostRecord {
  const startTicks = processStartTicks(process.pid);
  return {
    pid: process.pid,
    name: name ?? hostName(),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    ...(startTicks === undefined ? {} : { startTicks }),
    hotswapVersion: HOTSWAP_VERSION,
    nodeVersion: process.version,
    cwd: process.cwd(),
    argv: process.argv,
    reloadSignals,
    ...(socket === undefined ? {} : { socket }),
  };
}

export function writeRecord(dir: string, record: HostRecord): void {
  const path = recordPath(dir, record.pid);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  renameSync(temporary, path);
}

export function removeRecord(dir: string, pid: number): void {
  try {
    unlinkSync(recordPath(dir, pid));
  } catch {
    // Already gone (another reader cleaned it up, or it was never written).
  }
}

function parseRecord(text: string): HostRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<Record<keyof HostRecord, unknown>>;
  const ok =
    Number.isSafeInteger(r.pid) &&
    typeof r.name === 'string' &&
    typeof r.startedAt === 'string' &&
    (r.startTicks === undefined || typeof r.startTicks === 'string') &&
    Array.isArray(r.reloadSignals) &&
    r.reloadSignals.every((s) => typeof s === 'string') &&
    (r.socket === undefined || typeof r.socket === 'string');
  return ok ? (value as HostRecord) : undefined;
}

/** Whether the process a record describes is still the one running under its pid. */
export function isRecordLive(record: HostRecord): boolean {
  if (!isAlive(record.pid)) return false;
  if (record.startTicks === undefined) return true;
  const now = processStartTicks(record.pid);
  // Unreadable (another user's /proc under hidepid): trust the record rather than lose the host.
  return now === undefined || now === record.startTicks;
}

/**
 * The record of `pid`, or undefined when there is none or it is stale (then it is removed).
 * A malformed record is treated as none: it cannot vouch for the process.
 */
export function readRecord(dir: string, pid: number): HostRecord | undefined {
  let text: string;
  try {
    text = readFileSync(recordPath(dir, pid), 'utf8');
  } catch {
    return undefined;
  }
  const record = parseRecord(text);
  if (record === undefined || record.pid !== pid) return undefined;
  if (!isRecordLive(record)) {
    removeRecord(dir, pid);
    return undefined;
  }
  return record;
}

/** Every live host's record in `dir`, oldest pid first; stale records are removed on the way. */
export function listRecords(dir: string): HostRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const records: HostRecord[] = [];
  for (const name of names) {
    const match = /^([1-9][0-9]*)\.json$/.exec(name);
    if (match === null) continue;
    const record = readRecord(dir, Number(match[1]));
    if (record !== undefined) records.push(record);
  }
  return records.sort((a, b) => a.pid - b.pid);
}
