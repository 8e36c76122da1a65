/**
 * `hotswap publish` and `hotswap rollout status | pause | resume | abort | rollback`: a release of a
 * build directory, published once to a service in Redis for every instance that joined it
 * (src/fleet), rolled out in stages if asked, and what each instance reports.
 */
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { RolloutAction } from '../fleet/operate.js';
import { describe } from '../errors.js';
import { requireDirectory } from '../inputs.js';

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
/** How often `rollout status --watch` reads the fleet. */
const WATCH_MS = 500;

interface RedisOptions {
  redis: string;
  service: string;
}

async function withRedis<T>(url: string, work: (redis: import('ioredis').Redis) => Promise<T>): Promise<T> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  // Failures reach the commands as rejections; ioredis's own error events would only be noise.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Who runs the command, as rollout states and releases record it. */
function operator(): string {
  try {
    return `${userInfo().username} (hotswap CLI)`;
  } catch {
    return 'hotswap CLI';
  }
}

function serviceOptions(command: Command): Command {
  return command
    .requiredOption('--service <name>', "(required) the service's name")
    .option('--redis <url>', 'the Redis server', process.env['REDIS_URL'] ?? DEFAULT_REDIS);
}

export function registerFleetCommands(program: Command): void {
  serviceOptions(
    program
      .command('publish')
      .description(
        "publish a build directory (or a patch) as the service's new release: stored in Redis, every instance that joined the service reloads from it (or applies the patch), in stages with --canary",
      )
      .argument('<buildDir|patch.json>', 'the output directory of hotswap build, or a patch of hotswap hotfix build'),
  )
    .option('--version <label>', "the release version (default: from the artifacts' hashes)")
    .option('--canary <shares>', 'roll out in stages: the shares of the instances before all of them, e.g. 10% or 10%,50%')
    .option('--bake <duration>', 'how long each stage runs healthy before the next, e.g. 30s (default: 30s with --canary, else 0)')
    .option('--max-error-rate <share>', "how much the upgraded instances' error rate may exceed the others' before the release is rolled back, e.g. 1% (default 1%)")
    .action(async (source: string, options: RedisOptions & { version?: string; canary?: string; bake?: string; maxErrorRate?: string }) => {
      const patchFile = existsSync(source) && statSync(source).isFile();
      if (!patchFile) requireDirectory('the build directory', source, 'give the output directory of hotswap build, or a patch file');
      const { planFrom } = await import('../fleet/plan.js');
      const plan = planFrom(options);
      const { publishPatch, publishRelease } = await import('../fleet/release.js');
      const common = { service: options.service, plan, author: operator(), ...(options.version === undefined ? {} : { version: options.version }) };
      const published = await withRedis(options.redis, (redis) =>
        patchFile ? publishPatch(redis, { ...common, patchFile: source }) : publishRelease(redis, { ...common, buildDir: source }),
      );
      const what = published.release.kind === 'hotfix' ? `hotfix ${published.release.patch?.version ?? ''}` : published.release.plugins.map((p) => `${p.name} ${p.version}`).join(', ');
      const stages = plan.stages.length === 1 ? 'to every instance' : `in stages of ${plan.stages.map((s) => `${Math.round(s * 1000) / 10}%`).join(', ')}, ${plan.bakeMs / 1000} s each`;
      process.stdout.write(
        `published ${options.service} ${published.release.version} (${what}) as ${published.id}, ${stages}\n`,
      );
    });

  const rollout = program.command('rollout').description("a service's releases across its instances");
  serviceOptions(
    rollout
      .command('status')
      .description('the rollout (release, stage, phase) and every instance: the release it runs, its state, its generation, its error rate'),
  )
    .option('--json', 'print the status as JSON (with --watch, one line per change)', false)
    .option('--watch', 'print the status again whenever it changes, until interrupted', false)
    .action(async (options: RedisOptions & { json: boolean; watch: boolean }) => {
      const { readFleetStatus, formatFleetStatus } = await import('../fleet/status.js');
      const render = (status: Awaited<ReturnType<typeof readFleetStatus>>): string =>
        options.json ? JSON.stringify(status, null, options.watch ? undefined : 2) + '\n' : formatFleetStatus(status);
      if (!options.watch) {
        process.stdout.write(render(await withRedis(options.redis, (redis) => readFleetStatus(redis, options.service))));
        return;
      }
      await withRedis(options.redis, async (redis) => {
        let stop = false;
        process.once('SIGINT', () => (stop = true));
        process.once('SIGTERM', () => (stop = true));
        let shown = '';
        while (!stop) {
          try {
            const status = await readFleetStatus(redis, options.service);
            // Heartbeats change every read: what is compared is the status without them.
            const key = JSON.stringify({ ...status, instances: status.instances.map(({ heartbeatAt: _h, ...rest }) => rest) });
            if (key !== shown) {
              shown = key;
              process.stdout.write(options.json ? render(status) : `\n${new Date().toISOString()}\n${render(status)}`);
            }
          } catch (error) {
            // Redis down: said once, then read again until it is back (ioredis reconnects meanwhile).
            if (shown !== 'unreachable') process.stderr.write(`${new Date().toISOString()} Redis unreachable, still watching: ${describe(error)}\n`);
            shown = 'unreachable';
          }
          await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
        }
      });
    });

  const actions: ReadonlyArray<[RolloutAction, string]> = [
    ['pause', 'stop the rollout from starting its next stage (the health gate still watches)'],
    ['resume', 'let a paused rollout go on'],
    ['abort', 'stop the rollout: instances that run its release return to the previous one'],
    ['rollback', 'return every instance to the release before the rollout, also after it completed'],
  ];
  for (const [action, description] of actions) {
    serviceOptions(rollout.command(action).description(description)).action(async (options: RedisOptions) => {
      const { operateRollout } = await import('../fleet/operate.js');
      const entry = await withRedis(options.redis, (redis) => operateRollout(redis, options.service, action, operator()));
      process.stdout.write(`${options.service}: the rollout of ${entry.state.version} is ${entry.state.phase}${entry.state.paused ? ', paused' : ''} (${entry.id})\n`);
    });
  }
}
