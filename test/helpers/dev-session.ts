/**
 * `hotswap dev --json` run by a test: its events, and the ports the app says it listens on (the app
 * prints `listening <port>` or `http://127.0.0.1:<port>`; with --json its stdout arrives on stderr).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CLI } from '../../examples/shared/processes.js';
import { WAIT_MS, withTimeout } from './timeout.js';

export interface DevEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** `hotswap dev --json` on the app in `dir`, its events and the app's port followed. */
export function startDev(t: TestContext, dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): { next: (event: string) => Promise<DevEvent>; port: () => Promise<number>; child: ChildProcess } {
  const child = spawn(process.execPath, [CLI, 'dev', ...args, '--json'], {
    cwd: dir,
    env: { ...process.env, HOTSWAP_RUNTIME_DIR: join(dir, '.runtime'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const events: DevEvent[] = [];
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as DevEvent);
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  let seen = 0;
  let portsSeen = 0;
  const until = <T>(check: () => T | undefined, what: string): Promise<T> =>
    withTimeout(
      new Promise<T>((resolve) => {
        const waiter = (): void => {
          const found = check();
          if (found === undefined) return;
          waiters.delete(waiter);
          resolve(found);
        };
        waiters.add(waiter);
        waiter();
      }),
      WAIT_MS,
      () => `${what}; events: ${JSON.stringify(events)}; stderr: ${err}`,
    );
  return {
    child,
    // The next event (after those already taken) of this kind; the ones before it are skipped.
    next: (event) =>
      until(() => {
        const index = events.findIndex((e, i) => i >= seen && e.event === event);
        if (index < 0) return undefined;
        seen = index + 1;
        return events[index];
      }, `a ${event} event`),
    // The port of the app's next start.
    port: () =>
      until(() => {
        const ports = [...err.matchAll(/(?:listening |127\.0\.0\.1:)(\d+)/g)].map((m) => Number(m[1]));
        if (ports.length <= portsSeen) return undefined;
        portsSeen = ports.length;
        return ports.at(-1);
      }, 'the app to listen'),
  };
}

export function ask(port: number): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    }),
    WAIT_MS,
    `an answer on port ${port}`,
  );
}

