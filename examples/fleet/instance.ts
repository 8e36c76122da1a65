/**
 * One instance of the fleet example: a PluginManager over the build it was started with, joined to
 * the service through Redis. It scores a game round every 5 ms through the `score` plugin (the
 * calls a rollout's health gate counts), prints each state it reports, and answers a line on stdin
 * with the rule it runs now.
 *
 *   node dist/examples/fleet/instance.js <buildDir> <service> <name>
 */
import { PluginManager } from '../../src/index.js';
import { joinFleet } from '../../src/fleet/index.js';

const [buildDir, service, name] = process.argv.slice(2) as [string, string, string];
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const manager = new PluginManager({ pluginDir: buildDir, logger: silent, freeDelay: 0 });
const loaded = await manager.load();
if (!loaded.ok) throw loaded.error;
const member = await joinFleet({
  redis: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  service,
  manager,
  instanceId: name,
  onState: (state) => console.log(`${name}: ${state.state} ${state.release ?? ''}${state.code === undefined ? '' : ` ${state.code}`}`),
});
console.log(`${name}: ready, rule "${String(manager.invoke('score', 'rule'))}"`);

// The game: a round every 5 ms. A round the plugin fails to score is lost (and counted by the manager).
const rounds = setInterval(() => {
  try {
    manager.invoke('score', 'score', Math.floor(Math.random() * 5), Math.floor(Math.random() * 3));
  } catch {
    // Counted in manager.status().calls.failed: what the fleet's health gate compares.
  }
}, 5);

process.stdin.setEncoding('utf8').on('data', () => console.log(`${name}: rule "${String(manager.invoke('score', 'rule'))}"`));
process.on('SIGTERM', () => {
  clearInterval(rounds);
  void member
    .leave()
    .then(() => manager.close())
    .then(() => process.exit(0));
});
