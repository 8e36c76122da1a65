/**
 * The hello host as a driver (the demo, the end-to-end tests) runs it: the shared example host
 * (../shared/processes.ts) started with hello's arguments, plus the port it listens on.
 */
import { fileURLToPath } from 'node:url';
import { ExampleHost, type HostEvent } from '../shared/processes.js';

export { CLI, runHotswap, type CliResult, type HostEvent } from '../shared/processes.js';

export const HOST = fileURLToPath(new URL('./host.js', import.meta.url));

export interface HostOptions {
  readonly pluginDir: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  readonly freeDelay?: number;
  /** Node options for the host, e.g. ['--expose-gc']. */
  readonly execArgv?: readonly string[];
  /** Called with each plain-text line the host prints (plugin logs). */
  readonly onLog?: (line: string) => void;
}

export class HostProcess {
  private constructor(
    private readonly host: ExampleHost,
    /** The port the host listens on, from its `ready` event. */
    readonly port: number,
  ) {}

  /** Spawns the host and resolves once it listens. Kill it (`kill()`) in every path. */
  static async start(options: HostOptions): Promise<HostProcess> {
    const args = ['--plugins', options.pluginDir, '--port', String(options.port ?? 0)];
    if (options.freeDelay !== undefined) args.push('--free-delay', String(options.freeDelay));
    const host = await ExampleHost.start({
      script: HOST,
      args,
      ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
      ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
    });
    const ready = host.events.find((event) => event.event === 'ready');
    return new HostProcess(host, typeof ready?.port === 'number' ? ready.port : 0);
  }

  get child(): ExampleHost['child'] {
    return this.host.child;
  }

  get events(): readonly HostEvent[] {
    return this.host.events;
  }

  get pid(): number {
    return this.host.pid;
  }

  get stderr(): string {
    return this.host.stderr;
  }

  /** The next event named `name` (and matching `match`): call it before what triggers the event. */
  next(name: string, match?: (event: HostEvent) => boolean): Promise<HostEvent> {
    return this.host.next(name, match);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  kill(graceMs?: number): Promise<void> {
    return this.host.kill(graceMs);
  }
}
