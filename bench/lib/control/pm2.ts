/**
 * pm2, driven through its own command (the `pm2` installed as a devDependency, run by this Node),
 * with a private PM2_HOME: its daemon is this bench's alone, and `kill()` ends it.
 */
import { PM2, mustRun, timed, type Timed } from './setup.js';

export interface Pm2Mode {
  readonly key: string;
  readonly name: string;
  /** `pm2 start` arguments after the script. */
  readonly args: readonly string[];
  readonly workers: number;
}

/** Fork mode runs the app with this Node, as cluster mode does (the daemon's Node). */
export const PM2_MODES: readonly Pm2Mode[] = [
  { key: 'fork', name: 'pm2 fork mode, 1 process', args: ['--interpreter', process.execPath], workers: 1 },
  { key: 'cluster1', name: 'pm2 cluster mode, 1 worker', args: ['-i', '1'], workers: 1 },
  { key: 'cluster2', name: 'pm2 cluster mode, 2 workers', args: ['-i', '2'], workers: 2 },
];

export class Pm2 {
  readonly #env: NodeJS.ProcessEnv;
  /** Set once a command may have started the daemon: only then is there one to kill. */
  #daemon = false;

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  /** `pm2 ...args`, timed; a non-zero exit is an error. */
  run(...args: string[]): Promise<Timed> {
    this.#daemon = true;
    return mustRun([PM2, ...args], this.#env, 60_000);
  }

  /** Starts `script` as the app `app` in `mode`; `env` replaces the environment the daemon was started with for it. */
  start(script: string, mode: Pm2Mode, env: NodeJS.ProcessEnv): Promise<Timed> {
    this.#daemon = true;
    return mustRun([PM2, 'start', script, '--name', 'app', ...mode.args], env, 60_000);
  }

  /** `pm2 delete app`; errors are ignored (the app may not be there). */
  async remove(): Promise<void> {
    if (this.#daemon) await timed([PM2, 'delete', 'app'], this.#env, 60_000);
  }

  /** `pm2 kill`, once and only if a daemon may be running (with none, `pm2 kill` would start one first). */
  async kill(): Promise<string> {
    if (!this.#daemon) return 'no daemon was started';
    this.#daemon = false;
    const result = await timed([PM2, 'kill'], this.#env, 60_000);
    return result.code === 0 ? 'killed' : `pm2 kill exited ${String(result.code)}: ${result.stderr.slice(-500)}`;
  }
}
