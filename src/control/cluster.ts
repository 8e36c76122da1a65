/**
 * A node:cluster operated as one target. The primary's control server, when the primary has
 * workers and no plugin manager of its own, speaks for its workers: it reaches each one over that
 * worker's own control socket (found by pid in the runtime directory) and
 * - `status` answers every worker's status;
 * - `reload` and `rollback` run in every worker, all or none: when one worker refuses or fails, the
 *   workers that had swapped roll back to the generation they ran before, and the outcome names
 *   the worker at fault;
 * - `hotfix.apply` and `hotfix.revert` go to one worker at a time, taken out of rotation first
 *   (rotation.ts), because an apply stops the worker's thread; a worker that refuses a patch makes
 *   the workers already patched revert it.
 */
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { readRecord } from '../discovery/host-record.js';
import { ensureRuntimeDir } from '../discovery/runtime-dir.js';
import { ControlUnavailableError, describe } from '../errors.js';
import { connectControl, NO_TIME_LIMIT_MS, withSocket, type ControlClient } from './client.js';
import type { ControlEvent } from './events.js';
import { ROTATION_MESSAGE, type RotationLeft } from './rotation.js';
import { toWire, type WireError } from './wire.js';

/** A worker as outcomes name it: node:cluster's id, and its pid. */
export interface WorkerRef {
  readonly worker: number;
  readonly pid: number;
}

export interface WorkerOutcome extends WorkerRef {
  /** The worker's own outcome (a ReloadOutcome or a hotfix outcome), as its control server answered it. */
  readonly outcome: WireOutcome;
  /** For a hotfix: what taking the worker out of rotation achieved. */
  readonly rotation?: RotationLeft;
}

/** An outcome as it comes over the socket: `ok`, and on failure the engine's error. */
export interface WireOutcome {
  readonly ok: boolean;
  readonly error?: WireError;
  readonly [field: string]: unknown;
}

/** What a cluster-wide reload, rollback or hotfix answers. */
export interface ClusterOutcome {
  readonly ok: boolean;
  readonly cluster: true;
  /** Each worker's outcome, in the order they were operated. */
  readonly workers: readonly WorkerOutcome[];
  /** On failure: the worker that refused or failed. */
  readonly failedWorker?: WorkerRef;
  /** On failure: that worker's error, its message prefixed with the worker. */
  readonly error?: WireError;
  /** On failure: what the other workers did to return to what they ran before. */
  readonly restored?: readonly WorkerOutcome[];
  readonly durationMs: number;
}

/** How long a worker out of rotation waits for its keep-alive clients to move off before the apply. */
export const DRAIN_TIMEOUT_MS = 10_000;

/** The live workers of this process, when it is a cluster primary. */
export function clusterWorkers(): WorkerRef[] {
  if (!cluster.isPrimary) return [];
  const refs: WorkerRef[] = [];
  for (const worker of Object.values(cluster.workers ?? {})) {
    const pid = worker?.process.pid;
    if (worker === undefined || pid === undefined || worker.isDead() || !worker.isConnected()) continue;
    refs.push({ worker: worker.id, pid });
  }
  return refs.sort((a, b) => a.worker - b.worker);
}

interface Linked extends WorkerRef {
  readonly client: ControlClient;
}

/** Connects to every worker's control socket; a worker that cannot be reached fails the whole operation before it starts. */
async function linkAll(workers: readonly WorkerRef[]): Promise<Linked[]> {
  const dir = ensureRuntimeDir();
  const settled = await Promise.allSettled(
    workers.map(async (ref) => {
      const socket = readRecord(dir, ref.pid)?.socket;
      if (socket === undefined) {
        throw new ControlUnavailableError('(none)', `of worker ${ref.worker} (pid ${ref.pid}) does not exist: the worker did not start a control server (startControl, or hotswap run)`);
      }
      return { ...ref, client: await connectControl(socket) };
    }),
  );
  const linked = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) {
    for (const l of linked) l.client.close();
    throw failure.reason;
  }
  return linked;
}

function asOutcome(settled: PromiseSettledResult<unknown>): WireOutcome {
  if (settled.status === 'fulfilled') return settled.value as WireOutcome;
  return { ok: false, error: toWire(settled.reason) as WireError };
}

async function callOutcome(client: ControlClient, method: string, params: Record<string, unknown>): Promise<WireOutcome> {
  try {
    return (await client.call(method, params, NO_TIME_LIMIT_MS)) as WireOutcome;
  } catch (error) {
    return { ok: false, error: toWire(error) as WireError };
  }
}

function failedBy(ref: WorkerRef, outcome: WireOutcome): { failedWorker: WorkerRef; error: WireError } {
  const error = outcome.error ?? { name: 'Error', code: undefined, message: 'failed' };
  return { failedWorker: { worker: ref.worker, pid: ref.pid }, error: { ...error, message: `worker ${ref.worker} (pid ${ref.pid}): ${error.message}` } };
}

/** Runs `operate` over linked workers; a worker that cannot be linked is a failed outcome that changed nothing. */
async function withWorkers(operate: (linked: Linked[]) => Promise<Omit<ClusterOutcome, 'cluster' | 'durationMs'>>): Promise<ClusterOutcome> {
  const started = performance.now();
  const done = (outcome: Omit<ClusterOutcome, 'cluster' | 'durationMs'>): ClusterOutcome => ({ ...outcome, cluster: true, durationMs: performance.now() - started });
  const workers = clusterWorkers();
  let linked: Linked[];
  try {
    linked = await linkAll(workers);
  } catch (error) {
    return done({ ok: false, workers: [], error: toWire(error) as WireError });
  }
  try {
    return done(await operate(linked));
  } finally {
    for (const l of linked) l.client.close();
  }
}

const ref = (l: Linked): WorkerRef => ({ worker: l.worker, pid: l.pid });

/** Every worker's status (or why it did not answer). */
export async function clusterStatus(): Promise<{ workers: (WorkerRef & { status?: unknown; error?: string })[] }> {
  const workers = clusterWorkers();
  const dir = ensureRuntimeDir();
  return {
    workers: await Promise.all(
      workers.map(async (w) => {
        const socket = readRecord(dir, w.pid)?.socket;
        if (socket === undefined) return { ...w, error: 'no control server' };
        try {
          return { ...w, status: await withSocket(socket, (client) => client.call('status'), { timeoutMs: 3000 }) };
        } catch (error) {
          return { ...w, error: describe(error) };
        }
      }),
    ),
  };
}

function generationOf(status: unknown): number | undefined {
  return (status as { manager?: { current?: { id?: number } } | null }).manager?.current?.id;
}

/** `reload` or `rollback` in every worker at once, all or none. */
export function clusterReload(method: 'reload' | 'rollback', params: Record<string, unknown>): Promise<ClusterOutcome> {
  return withWorkers(async (linked) => {
    const before = await Promise.all(linked.map(async (l) => generationOf(await l.client.call('status'))));
    const settled = await Promise.allSettled(linked.map((l) => l.client.call(method, params, NO_TIME_LIMIT_MS)));
    const workers = linked.map((l, i) => ({ ...ref(l), outcome: asOutcome(settled[i] as PromiseSettledResult<unknown>) }));
    const failed = workers.find((w) => !w.outcome.ok);
    if (failed === undefined) return { ok: true, workers };
    // All or none: a worker that swapped goes back to exactly what it ran before.
    const restored: WorkerOutcome[] = [];
    for (const [i, l] of linked.entries()) {
      const swapped = workers[i]?.outcome.ok === true && workers[i]?.outcome['changed'] === true;
      const previous = before[i];
      if (!swapped || previous === undefined) continue;
      // Discarded: the release another worker refused is not offered as a rollback target.
      restored.push({ ...ref(l), outcome: await callOutcome(l.client, 'rollback', { to: previous, discard: true }) });
    }
    return { ok: false, workers, restored, ...failedBy(failed, failed.outcome) };
  });
}

/** Runs `method` in one worker taken out of rotation for the time of it. */
async function outOfRotation(l: Linked, method: string, params: Record<string, unknown>): Promise<WorkerOutcome> {
  const removed = rotationLeft(l.worker);
  const rotation = (await l.client.call('rotation.leave', { drainTimeoutMs: DRAIN_TIMEOUT_MS })) as RotationLeft;
  // Once this message is in, the round-robin no longer offers the worker connections (rotation.ts).
  if (rotation.left) await removed.promise;
  removed.cancel();
  try {
    return { ...ref(l), outcome: await callOutcome(l.client, method, params), rotation };
  } finally {
    await l.client.call('rotation.join');
  }
}

/** Resolves when worker `id` says its servers left the round-robin (bounded: a worker that never says goes on regardless). */
function rotationLeft(id: number): { promise: Promise<void>; cancel: () => void } {
  const worker = cluster.workers?.[id];
  let cancel = (): void => {};
  const promise = new Promise<void>((resolve) => {
    if (worker === undefined) return resolve();
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && (message as Record<string, unknown>)[ROTATION_MESSAGE] === 'left') cancel();
    };
    const timer = setTimeout(() => cancel(), 5000);
    cancel = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
  });
  return { promise, cancel };
}

/** A patch applied to one worker at a time, each out of rotation; a refusal reverts it where it was applied. */
export function clusterHotfixApply(params: Record<string, unknown>): Promise<ClusterOutcome> {
  return withWorkers(async (linked) => {
    const workers: WorkerOutcome[] = [];
    for (const [i, l] of linked.entries()) {
      const done = await outOfRotation(l, 'hotfix.apply', params);
      workers.push(done);
      if (done.outcome.ok) continue;
      const restored: WorkerOutcome[] = [];
      for (const [j, earlier] of linked.slice(0, i).entries()) {
        const applied = workers[j]?.outcome;
        if (applied?.ok !== true || applied['alreadyApplied'] === true) continue;
        restored.push(await outOfRotation(earlier, 'hotfix.revert', { version: applied['version'] }));
      }
      return { ok: false, workers, restored, ...failedBy(done, done.outcome) };
    }
    return { ok: true, workers };
  });
}

/** A patch reverted in one worker at a time, each out of rotation. */
export function clusterHotfixRevert(params: Record<string, unknown>): Promise<ClusterOutcome> {
  return withWorkers(async (linked) => {
    const workers: WorkerOutcome[] = [];
    for (const l of linked) workers.push(await outOfRotation(l, 'hotfix.revert', params));
    const failed = workers.find((w) => !w.outcome.ok);
    return failed === undefined ? { ok: true, workers } : { ok: false, workers, ...failedBy(failed, failed.outcome) };
  });
}

/** Every worker's applied patches. */
export async function clusterHotfixList(): Promise<{ workers: (WorkerRef & { patches: unknown })[] }> {
  // A list is no outcome: a worker that cannot be reached is the request's error (linkAll throws it).
  const linked = await linkAll(clusterWorkers());
  try {
    return { workers: await Promise.all(linked.map(async (l) => ({ ...ref(l), patches: await l.client.call('hotfix.list') }))) };
  } finally {
    for (const l of linked) l.client.close();
  }
}

/**
 * Follows every current worker's events and hands each to `send` with the worker it came from.
 * Resolves once every worker follows (or failed to: reported through `onError`) to the function
 * that stops.
 */
export async function followWorkers(send: (event: ControlEvent) => void, onError: (error: unknown) => void): Promise<() => void> {
  const dir = ensureRuntimeDir();
  const followed = await Promise.all(
    clusterWorkers().map(async (worker): Promise<ControlClient | undefined> => {
      const socket = readRecord(dir, worker.pid)?.socket;
      try {
        if (socket === undefined) {
          throw new ControlUnavailableError('(none)', `of worker ${worker.worker} (pid ${worker.pid}) does not exist: its events are not followed`);
        }
        const client = await connectControl(socket);
        await client.subscribe((event) => send({ ...event, worker }));
        return client;
      } catch (error) {
        onError(error);
        return undefined;
      }
    }),
  );
  return () => {
    for (const client of followed) client?.close();
  };
}
