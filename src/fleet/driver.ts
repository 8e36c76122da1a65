/**
 * The rollout driver: every instance of a service runs one, and the one holding the service's lease
 * in Redis steers the rollout (steer.ts) a few times a second. The lease expires unless its holder
 * renews it, so when that instance dies another takes over: a rollout goes on, or rolls back, with
 * no process but Redis and the instances; the CLI that published it may be gone. The driver also
 * removes instances silent for ten minutes from the service's instances hash.
 */
import type { Redis } from 'ioredis';
import { parseInstances } from './instance-state.js';
import { serviceKeys } from './keys.js';
import { updateRollout } from './rollout.js';
import { steer } from './steer.js';

/** How often the driver looks at the rollout. */
export const DRIVE_MS = 250;
/** How long a lease lasts unless renewed: how long a rollout waits for a dead driver's successor. */
export const LEASE_MS = 2_000;
/** An instance silent (dead, or left) for longer is removed from the instances hash. */
export const FORGET_MS = 10 * 60_000;

/** Takes the lease if it is free, renews it if it is ours. */
const TAKE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

const RELEASE_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * One step of the driver: takes or renews the lease, and if this instance holds it, forgets long
 * silent instances and steers the rollout one step.
 * @returns whether this instance holds the lease
 */
export async function driveOnce(redis: Redis, service: string, instanceId: string): Promise<boolean> {
  const keys = serviceKeys(service);
  const held = (await redis.eval(TAKE_OR_RENEW, 1, keys.lease, instanceId, String(LEASE_MS))) === 1;
  if (!held) return false;
  const reports = parseInstances(await redis.hgetall(keys.instances));
  const now = Date.now();
  // Instances restarted under new ids would otherwise pile up in the hash, read at every step.
  const forgotten = reports.filter((r) => now - r.heartbeatAt > FORGET_MS).map((r) => r.instance);
  if (forgotten.length > 0) await redis.hdel(keys.instances, ...forgotten);
  await updateRollout(redis, service, (state) => (state === undefined ? undefined : steer(state, reports, now, instanceId)));
  return true;
}

export interface Driver {
  /** Stops driving and gives the lease up, if held. */
  stop(): Promise<void>;
}

/** Drives the service's rollout whenever this instance holds the lease. Errors (Redis down) are retried at the next tick. */
export function startDriver(redis: Redis, service: string, instanceId: string, onError: (error: unknown) => void): Driver {
  const keys = serviceKeys(service);
  let stopped = false;
  /** The tick running, if one is: a slow Redis must not pile ticks up. */
  let running: Promise<void> | undefined;

  const timer = setInterval(() => {
    if (running !== undefined || stopped) return;
    running = driveOnce(redis, service, instanceId)
      .then(() => undefined, onError)
      .finally(() => (running = undefined));
  }, DRIVE_MS);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await redis.eval(RELEASE_IF_OURS, 1, keys.lease, instanceId).catch(() => undefined);
    },
  };
}
