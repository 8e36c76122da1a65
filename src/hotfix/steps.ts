/**
 * Inspector work written once and run two ways: as a generator of protocol commands, answered
 * synchronously on the engine's own thread (inside one uninterrupted stretch, where no JavaScript
 * of the app runs) or asynchronously on a worker.
 */

export interface Command {
  readonly method: string;
  readonly params: object;
}

export type Steps<R> = Generator<Command, R, unknown>;

/** Runs steps with answers given synchronously. */
export function runSync<R>(steps: Steps<R>, call: (method: string, params: object) => object): R {
  let next = steps.next();
  while (next.done !== true) {
    let answer: object;
    try {
      answer = call(next.value.method, next.value.params);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

/** Runs steps with answers given asynchronously. */
export async function runAsync<R>(steps: Steps<R>, call: (method: string, params: object) => Promise<object>): Promise<R> {
  let next = steps.next();
  while (next.done !== true) {
    let answer: object;
    try {
      answer = await call(next.value.method, next.value.params);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}
