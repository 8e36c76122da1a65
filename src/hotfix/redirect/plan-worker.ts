/** The planning thread's entry (see planner.ts): answers each request with planRedirect's response. */
import { parentPort } from 'node:worker_threads';
import { planRedirect, type PlanRequest } from './plan.js';

parentPort?.on('message', ({ id, request }: { id: number; request: PlanRequest }) => {
  void planRedirect(request).then(
    (response) => parentPort?.postMessage({ id, response }),
    (error: unknown) => parentPort?.postMessage({ id, response: { ok: false, failure: 'redirect', detail: error instanceof Error ? error.message : String(error) } }),
  );
});
