/**
 * The check that keeps a reload from stranding live jobs: a pending job names a live function by
 * name and runs the one of the generation current when it fires, so the next generation must still
 * have every live function that pending jobs name.
 */
import { LiveJobsOrphanedError } from '../errors.js';
import type { LiveFunction, LiveJobs } from '../plugin/definition.js';
import type { Generation } from './generation.js';

/**
 * The error refusing `next` when it lacks a live function of `current` that a pending job names;
 * undefined when every such job will find its function. A job naming a function the current
 * generation lacks too is not the reload's doing and does not block it.
 */
export function orphanedJobs<Ext>(
  current: Generation<Ext> | undefined,
  next: Readonly<Record<string, LiveFunction>>,
  jobs: LiveJobs,
): LiveJobsOrphanedError | undefined {
  if (current === undefined) return undefined;
  const have = current.vault.liveFuncs;
  const orphaned = jobs.list().filter((job) => Object.hasOwn(have, job.fn) && !Object.hasOwn(next, job.fn));
  if (orphaned.length === 0) return undefined;
  const names = [...new Set(orphaned.map((job) => job.fn))];
  const functions = names.map((fn) => ({ fn, plugin: ownerOf(current, fn) }));
  return new LiveJobsOrphanedError(functions, orphaned);
}

function ownerOf<Ext>(generation: Generation<Ext>, fn: string): string | undefined {
  for (const instance of generation.instances.values()) if (Object.hasOwn(instance.live.functions, fn)) return instance.name;
  return undefined;
}
