/**
 * Running a plugin hook: a throw, a rejection and a timeout all become coded errors naming the
 * plugin and the hook. A synchronous hook that never returns cannot be interrupted (JavaScript has
 * one thread); hookTimeout bounds asynchronous hooks only.
 */
import { HookFailedError, HookTimeoutError, type HookName } from '../errors.js';

export async function runHook(
  plugin: string,
  hook: HookName,
  timeoutMs: number,
  call: () => unknown,
): Promise<unknown> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    throw new HookFailedError(plugin, hook, error);
  }
  if (!isThenable(result)) return result;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HookTimeoutError(plugin, hook, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve(result).catch((error: unknown) => {
        throw new HookFailedError(plugin, hook, error);
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
