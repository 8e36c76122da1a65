/**
 * Calling one function on every plugin that has it, in dependency order or its reverse. One
 * plugin's failure is reported in its result (and logged) and never stops the others.
 */
import type { Generation } from './generation.js';
import type { Logger } from '../logger.js';

export type InvokeEachResult =
  | { readonly plugin: string; readonly ok: true; readonly value: unknown }
  | { readonly plugin: string; readonly ok: false; readonly error: unknown };

export async function invokeEachIn(
  generation: Generation<unknown>,
  fn: string,
  args: unknown[],
  backward: boolean,
  logger: Logger,
): Promise<InvokeEachResult[]> {
  const instances = [...generation.instances.values()];
  if (backward) instances.reverse();
  const results: InvokeEachResult[] = [];
  for (const instance of instances) {
    const target = instance.functions.get(fn);
    if (target === undefined) continue;
    try {
      results.push({ plugin: instance.name, ok: true, value: await generation.track(target, args) });
    } catch (error) {
      logger.error(`${fn}() of plugin "${instance.name}" failed in invokeEach: ${String(error)}`);
      results.push({ plugin: instance.name, ok: false, error });
    }
  }
  return results;
}
