/** Runs per-plugin work in parallel but reports failures in the order the plugins were given. */

/**
 * Awaits every promise. When any rejects, rejects with the first failure in the order given (not
 * the first in time, so the same inputs give the same error) and logs the others: a user fixing
 * the first is not surprised by the next one later.
 */
export async function allInOrder<T>(promises: readonly Promise<T>[], warn: (message: string) => void): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  const [firstFailure, ...otherFailures] = failures;
  if (firstFailure !== undefined) {
    for (const other of otherFailures) warn(String((other.reason as Error).message));
    throw firstFailure.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
