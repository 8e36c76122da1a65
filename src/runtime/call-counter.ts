/**
 * How many plugin calls a manager made and how many of them threw or rejected, over its whole life
 * (every generation adds to one counter). A fleet's health gate compares these between instances
 * that run a new release and those that do not (src/fleet/gate.ts).
 */
export class CallCounter {
  /** Calls through invoke, find's handles, callLive and invokeEach. */
  total = 0;
  /** Of those, the ones that threw or whose promise rejected. */
  failed = 0;
}

/** The counter as `status().calls` reports it. */
export interface CallCounts {
  readonly total: number;
  readonly failed: number;
}
