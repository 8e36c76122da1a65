/**
 * `hotswap publish` and `hotswap rollout status`: a release of a build directory, published once to
 * a service's stream in Redis for every instance that joined it (src/fleet), and what each
 * instance reports.
 */
import type { Command } from 'commander';
import type { InstanceState } from '../fleet/join.js';
import { requireDirectory } from '../inputs.js';

const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

interface RedisOptions {
  redis: string;
  service: string;
}

async function withRedis<T>(url: string, work: (redis: import('ioredis').Redis) => Promise<T>): Promise<T> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

export function registerFleetCommands(program: Command): void {
  program
    .command('publish')
    .description("publish a build directory as the service's new release: its artifacts stored in Redis, every instance that joined the service applies it")
    .argument('<buildDir>', 'the output directory of hotswap build')
    .requiredOption('--service <name>', "(required) the service's name")
    .option('--redis <url>', 'the Redis server', process.env['REDIS_URL'] ?? DEFAULT_REDIS)
    .option('--version <label>', 'the release version (default: from the artifacts\' hashes)')
    .action(async (buildDir: string, options: RedisOptions & { version?: string }) => {
      requireDirectory('the build directory', buildDir, 'give the output directory of hotswap build');
      const { publishRelease } = await import('../fleet/release.js');
      const published = await withRedis(options.redis, (redis) =>
        publishRelease(redis, { service: options.service, buildDir, ...(options.version === undefined ? {} : { version: options.version }) }),
      );
      process.stdout.write(`published ${options.service} ${published.release.version} (${published.release.plugins.map((p) => `${p.name} ${p.version}`).join(', ')}) as ${published.id}\n`);
    });

  const rollout = program.command('rollout').description("a service's releases across its instances");
  rollout
    .command('status')
    .description('every instance of the service: the release it runs, its state (applying, applied, refused with the code), its generation')
    .requiredOption('--service <name>', "(required) the service's name")
    .option('--redis <url>', 'the Redis server', process.env['REDIS_URL'] ?? DEFAULT_REDIS)
    .option('--json', 'print the status as JSON', false)
    .action(async (options: RedisOptions & { json: boolean }) => {
      const { currentRelease } = await import('../fleet/release.js');
      const { serviceKeys } = await import('../fleet/keys.js');
      const { release, instances } = await withRedis(options.redis, async (redis) => ({
        release: await currentRelease(redis, options.service),
        instances: Object.values(await redis.hgetall(serviceKeys(options.service).instances)).map((text) => JSON.parse(text) as InstanceState),
      }));
      instances.sort((a, b) => a.instance.localeCompare(b.instance));
      if (options.json) {
        process.stdout.write(JSON.stringify({ service: options.service, current: release === undefined ? null : { id: release.id, version: release.release.version }, instances }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${options.service}: current release ${release === undefined ? '(none)' : `${release.release.version} (${release.id})`}\n`);
      for (const i of instances) {
        const why = i.state === 'refused' ? ` ${i.code ?? '?'}: ${i.message ?? ''}` : '';
        const behind = release !== undefined && i.state === 'applied' && i.releaseId !== release.id ? ' (behind)' : '';
        process.stdout.write(`  ${i.instance}  ${i.state}${behind}  ${i.release ?? '-'}  generation ${i.generation ?? '-'}${why}\n`);
      }
    });
}
