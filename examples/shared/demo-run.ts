/**
 * What every demo driver sets up around its steps: a temp dir, the checks, the hosts it starts, and
 * a deadline. The hosts are killed and the dir removed whatever happens; past the deadline, the
 * demo gives up (see `deadline`).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checks, deadline, ExampleHost, type StartOptions } from './processes.js';

export interface DemoRun {
  /** `build/` in the demo's temp dir, for the artifacts. */
  readonly outDir: string;
  readonly checks: Checks;
  /** Starts a host that is killed when the demo ends or gives up. */
  readonly start: (options: StartOptions) => Promise<ExampleHost>;
}

/** Runs `steps` in a fresh demo run; resolves with whether every check held. */
export async function withDemoRun(prefix: string, say: (line: string) => void, deadlineMs: number, steps: (run: DemoRun) => Promise<void>): Promise<boolean> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const hosts: ExampleHost[] = [];
  const cancel = deadline(deadlineMs, () => {
    for (const host of hosts) host.child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });
  const checks = new Checks(say);
  try {
    await steps({
      outDir: join(work, 'build'),
      checks,
      start: async (options) => {
        const host = await ExampleHost.start(options);
        hosts.push(host);
        return host;
      },
    });
    return checks.ok;
  } finally {
    cancel();
    for (const host of hosts) await host.kill();
    await rm(work, { recursive: true, force: true });
  }
}
