/**
 * A rollout's decisions, without processes: plans from the CLI's options, the health gate, each
 * step the driver takes (stages, bake, refusal, gate, completion), the operator's actions, and the
 * state written through Redis only when no other writer came first.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { driveOnce, FORGET_MS } from '../../src/fleet/driver.js';
import { evaluateGate, type GateSample } from '../../src/fleet/gate.js';
import { joinFleet } from '../../src/fleet/join.js';
import { PluginManager } from '../../src/index.js';
import { LIVE_MS, type InstanceState } from '../../src/fleet/instance-state.js';
import { allServiceKeys, serviceKeys } from '../../src/fleet/keys.js';
import { operate, operateRollout } from '../../src/fleet/operate.js';
import { ALL_AT_ONCE, planFrom, type RolloutPlan } from '../../src/fleet/plan.js';
import { desiredState, readRollout, startState, updateRollout, type RolloutState } from '../../src/fleet/rollout.js';
import { steer } from '../../src/fleet/steer.js';

const NOW = 1_000_000;

/** The plugins release the rollout wants of `instance`. */
const desiredRelease = (state: RolloutState, instance: string): string | null => desiredState(state, instance).plugins;

function instance(name: string, change: Partial<InstanceState> = {}): InstanceState {
  return {
    instance: name,
    pid: 1,
    host: 'h',
    state: 'applied',
    release: 'v1',
    releaseId: 'r1',
    runningId: 'r1',
    runningVersion: 'v1',
    patches: [],
    generation: 1,
    at: '',
    calls: { total: 0, failed: 0 },
    health: { ok: true },
    heartbeatAt: NOW,
    ...change,
  };
}

const canary: RolloutPlan = { stages: [0.25, 1], bakeMs: 1000, maxErrorRate: 0.01 };
const before: RolloutState = { ...startState({ id: 'r1', version: 'v1', kind: 'plugins' }, ALL_AT_ONCE, undefined, 'ci', 0), phase: 'complete' };
const rollout = startState({ id: 'r2', version: 'v2', kind: 'plugins' }, canary, before, 'ci', NOW);
const fleet = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) => instance(name));

/** The fleet with the rollout's admitted instances running r2 (with `change` on them). */
function upgraded(state: RolloutState, change: Partial<InstanceState> = {}): InstanceState[] {
  return fleet.map((i) => (desiredRelease(state, i.instance) === 'r2' ? { ...i, runningId: 'r2', runningVersion: 'v2', releaseId: 'r2', ...change } : i));
}

describe('rollout plans from the CLI options', () => {
  it('reads shares, durations and rates, and defaults the bake for canaries', () => {
    assert.deepEqual(planFrom({}), { stages: [1], bakeMs: 0, maxErrorRate: 0.01 });
    assert.deepEqual(planFrom({ canary: '10%' }), { stages: [0.1, 1], bakeMs: 30_000, maxErrorRate: 0.01 });
    assert.deepEqual(planFrom({ canary: '10%,0.5', bake: '2m', maxErrorRate: '5%' }), { stages: [0.1, 0.5, 1], bakeMs: 120_000, maxErrorRate: 0.05 });
    assert.deepEqual(planFrom({ bake: '500ms' }), { stages: [1], bakeMs: 500, maxErrorRate: 0.01 });
    assert.equal(planFrom({ bake: '1.5s' }).bakeMs, 1500);
  });

  it('refuses shares and durations that are not ones, naming the option', () => {
    for (const [options, pattern] of [
      [{ canary: '150%' }, /--canary.*150%/],
      [{ canary: '50%,10%' }, /--canary: stages must grow/],
      [{ canary: '100%' }, /--canary/],
      [{ canary: 'ten' }, /--canary/],
      [{ bake: 'soon' }, /--bake.*"soon"/],
      [{ maxErrorRate: '-1' }, /--max-error-rate/],
    ] as const) {
      assert.throws(() => planFrom(options), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT', message: pattern }, JSON.stringify(options));
    }
  });
});

describe('the health gate', () => {
  const sample = (name: string, total: number, failed: number, ok = true, reason?: string): GateSample => ({
    instance: name,
    calls: { total, failed },
    health: reason === undefined ? { ok } : { ok, reason },
  });

  it('holds while the upgraded error rate stays within the allowance over the others', () => {
    assert.deepEqual(evaluateGate([sample('a', 100, 2)], [sample('b', 100, 1)], 0.01), { ok: true });
    assert.deepEqual(evaluateGate([sample('a', 0, 0)], [sample('b', 100, 50)], 0.01), { ok: true }, 'no calls: nothing to blame');
  });

  it('fails when the upgraded instances fail more, and says by how much', () => {
    const verdict = evaluateGate([sample('a', 50, 10), sample('c', 50, 10)], [sample('b', 100, 1)], 0.01);
    assert.equal(verdict.ok, false);
    assert.match(!verdict.ok ? verdict.reason : '', /error rate 20\.0% on the upgraded instances \(20 of 100 calls\) against 1\.0% on the others \(1 of 100\), more than 1\.0% allowed/);
    const alone = evaluateGate([sample('a', 10, 1)], [], 0.05);
    assert.match(!alone.ok ? alone.reason : '', /no instance left on the previous release to compare with/);
  });

  it('fails on an unhealthy upgraded instance, unless the others are as unhealthy', () => {
    const verdict = evaluateGate([sample('a', 0, 0, false, 'db pool exhausted')], [sample('b', 0, 0)], 0.01);
    assert.deepEqual(verdict, { ok: false, reason: 'a reports unhealthy: db pool exhausted' });
    assert.deepEqual(evaluateGate([sample('a', 0, 0, false)], [sample('b', 0, 0, false)], 0.01), { ok: true }, 'not the release: everyone is unhealthy');
  });
});

describe('steering a rollout', () => {
  it('admits a share of the live instances, bakes once they run the release, then admits everyone and completes', () => {
    const first = steer(rollout, fleet, NOW, 'a');
    assert.equal(first?.stage, 0);
    assert.equal((first?.admitted as string[]).length, 2, '25% of 8');
    assert.equal(first?.by, 'a');
    assert.equal(steer(first, fleet, NOW + 10, 'a'), undefined, 'waits for the stage to apply');

    const baking = steer(first, upgraded(first, { calls: { total: 5, failed: 0 } }), NOW + 20, 'a') as RolloutState;
    assert.equal(baking.bakeStartedAt, NOW + 20);
    assert.equal(Object.keys(baking.baseline).length, 8);
    assert.equal(steer(baking, upgraded(baking), NOW + 500, 'a'), undefined, 'bakes');

    const second = steer(baking, upgraded(baking, { calls: { total: 5, failed: 0 } }), NOW + 1020, 'a') as RolloutState;
    assert.equal(second.stage, 1);
    assert.equal(second.admitted, 'all');
    assert.equal(second.bakeStartedAt, null);
    const all = fleet.map((i) => ({ ...i, runningId: 'r2' }));
    const lastBake = steer(second, all, NOW + 1100, 'b') as RolloutState;
    const done = steer(lastBake, all, NOW + 2100, 'b') as RolloutState;
    assert.equal(done.phase, 'complete');
    assert.equal(desiredRelease(done, 'new-instance'), 'r2');
  });

  it('keeps instances outside the stage, and new ones, on the previous release', () => {
    const first = steer(rollout, fleet, NOW, 'a') as RolloutState;
    const outside = fleet.map((i) => i.instance).filter((name) => !(first.admitted as string[]).includes(name));
    assert.ok(outside.every((name) => desiredRelease(first, name) === 'r1'));
    assert.equal(desiredRelease(first, 'joined-later'), 'r1');
  });

  it('counts out instances silent for longer than a heartbeat allows', () => {
    const silent = fleet.map((i, n) => (n < 4 ? { ...i, heartbeatAt: NOW - LIVE_MS - 1 } : i));
    const first = steer(rollout, silent, NOW, 'a') as RolloutState;
    assert.equal((first.admitted as string[]).length, 1, '25% of the 4 live ones');
    assert.ok((first.admitted as string[]).every((name) => !['a', 'b', 'c', 'd'].includes(name)));
    assert.equal(steer(rollout, fleet.map((i) => ({ ...i, state: 'left' as const })), NOW, 'a'), undefined, 'no live instance: nothing to admit');
  });

  it('rolls back when an instance of the stage refuses the release, naming it and the code', () => {
    const first = steer(rollout, fleet, NOW, 'a') as RolloutState;
    const [name] = first.admitted as string[];
    const reports = fleet.map((i) => (i.instance === name ? { ...i, state: 'refused' as const, releaseId: 'r2', code: 'HOTSWAP_ERR_HOOK_FAILED', message: 'onInit threw' } : i));
    const back = steer(first, reports, NOW + 10, 'a') as RolloutState;
    assert.equal(back.phase, 'rolled-back');
    assert.equal(back.reason, `${name ?? ''} refused v2: HOTSWAP_ERR_HOOK_FAILED: onInit threw`);
    assert.ok(fleet.every((i) => desiredRelease(back, i.instance) === 'r1'));
  });

  it('rolls back when the gate fails during the bake, comparing calls since the bake started', () => {
    const first = steer(rollout, fleet, NOW, 'a') as RolloutState;
    // Failures before the bake are not the release's: the baseline counts them out.
    const baking = steer(first, upgraded(first, { calls: { total: 100, failed: 50 } }), NOW + 10, 'a') as RolloutState;
    assert.equal(steer(baking, upgraded(baking, { calls: { total: 110, failed: 50 } }), NOW + 20, 'a'), undefined);
    const failing = steer(baking, upgraded(baking, { calls: { total: 110, failed: 55 } }), NOW + 30, 'a') as RolloutState;
    assert.equal(failing.phase, 'rolled-back');
    assert.match(failing.reason ?? '', /^health gate failed at stage 1 of 2: error rate 50\.0% on the upgraded instances \(10 of 20 calls\)/);
  });

  it('does not start the next stage while paused, but still rolls back when the gate fails', () => {
    const first = steer(rollout, fleet, NOW, 'a') as RolloutState;
    const baking = steer(first, upgraded(first), NOW + 10, 'a') as RolloutState;
    const paused = operate(baking, 'pause', 'ops', NOW + 20) as RolloutState;
    assert.equal(steer(paused, upgraded(paused), NOW + 2000, 'a'), undefined);
    const unhealthy = steer(paused, upgraded(paused, { health: { ok: false, reason: 'queue stuck' } }), NOW + 2000, 'a') as RolloutState;
    assert.equal(unhealthy.phase, 'rolled-back');
    assert.match(unhealthy.reason ?? '', /reports unhealthy: queue stuck/);
    const resumed = operate(paused, 'resume', 'ops', NOW + 30) as RolloutState;
    assert.equal(steer(resumed, upgraded(resumed), NOW + 2000, 'a')?.stage, 1);
  });
});

describe('the release a rollout starts from', () => {
  it('is the release before a canary stage or a rollback, and the superseded release once everyone was told to run it', () => {
    const first = steer(rollout, fleet, NOW, 'a') as RolloutState;
    assert.equal(startState({ id: 'r3', version: 'v3', kind: 'plugins' }, ALL_AT_ONCE, first, 'ci', NOW).previousId, 'r1', 'r2 was a canary');
    const everyone = { ...first, stage: 1, admitted: 'all' as const };
    assert.equal(startState({ id: 'r3', version: 'v3', kind: 'plugins' }, ALL_AT_ONCE, everyone, 'ci', NOW).previousId, 'r2', 'r2 was going to everyone');
    const back = { ...everyone, phase: 'rolled-back' as const };
    assert.equal(startState({ id: 'r3', version: 'v3', kind: 'plugins' }, ALL_AT_ONCE, back, 'ci', NOW).previousVersion, 'v1');
    assert.equal(startState({ id: 'r1', version: 'v1', kind: 'plugins' }, ALL_AT_ONCE, undefined, 'ci', NOW).previousId, null, 'the first release: the start plugins');
  });
});

describe('hotfix rollouts', () => {
  const patched = startState({ id: 'h1', version: 'fix-1', kind: 'hotfix' }, canary, before, 'ci', NOW);

  it('keep the plugins release everywhere and add the patch on the admitted instances only', () => {
    const first = steer(patched, fleet, NOW, 'a') as RolloutState;
    const admitted = first.admitted as string[];
    assert.deepEqual(desiredState(first, admitted[0] ?? ''), { plugins: 'r1', patches: ['h1'] });
    assert.deepEqual(desiredState(first, 'other'), { plugins: 'r1', patches: [] });
    // An instance runs a hotfix release once the patch is in its list, whatever plugins it runs.
    const patch = (i: InstanceState): InstanceState => (admitted.includes(i.instance) ? { ...i, patches: [{ id: 'h1', version: 'fix-1' }] } : i);
    assert.equal(steer(first, fleet.map((i) => (i.instance === admitted[0] ? patch(i) : i)), NOW + 10, 'a'), undefined, 'one of two: waits');
    assert.equal(steer(first, fleet.map(patch), NOW + 10, 'a')?.bakeStartedAt, NOW + 10, 'the stage runs it: the bake starts');
  });

  it('leave a patch that reached every instance to the next rollout, and take it back with a rollback', () => {
    const done = { ...patched, phase: 'complete' as const };
    const next = startState({ id: 'r3', version: 'v3', kind: 'plugins' }, ALL_AT_ONCE, done, 'ci', NOW);
    assert.deepEqual(next.patches, [{ id: 'h1', version: 'fix-1' }]);
    assert.deepEqual(desiredState(next, 'a'), { plugins: 'r3', patches: ['h1'] });
    const back = operate(done, 'rollback', 'ops', NOW) as RolloutState;
    assert.deepEqual(desiredState(back, 'a'), { plugins: 'r1', patches: [] });
    assert.deepEqual(startState({ id: 'r3', version: 'v3', kind: 'plugins' }, ALL_AT_ONCE, back, 'ci', NOW).patches, []);
  });
});

describe('operating a rollout', () => {
  it('pauses and resumes only a rolling rollout, aborts it, and rolls back a complete one', () => {
    const paused = operate(rollout, 'pause', 'ops', NOW) as RolloutState;
    assert.equal(paused.paused, true);
    assert.equal(paused.reason, 'paused by ops');
    assert.equal(operate(paused, 'pause', 'ops', NOW), 'it is paused already');
    assert.equal(operate(rollout, 'resume', 'ops', NOW), 'it is not paused');
    const aborted = operate(paused, 'abort', 'ops', NOW) as RolloutState;
    assert.deepEqual([aborted.phase, aborted.paused, desiredRelease(aborted, 'a')], ['aborted', false, 'r1']);
    assert.equal(operate(aborted, 'abort', 'ops', NOW), 'the rollout of v2 is aborted');
    assert.equal(operate(before, 'abort', 'ops', NOW), 'the rollout of v1 is complete');
    const back = operate({ ...rollout, phase: 'complete' }, 'rollback', 'ops', NOW) as RolloutState;
    assert.deepEqual([back.phase, desiredRelease(back, 'a'), back.reason], ['rolled-back', 'r1', 'rolled back by ops']);
    assert.equal(operate(back, 'rollback', 'ops', NOW), 'the rollout of v2 is rolled-back already');
  });
});

describe('the rollout state in Redis', () => {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const service = `unit-${randomUUID()}`;
  after(async () => {
    await redis.del(...allServiceKeys(service));
    redis.disconnect();
  });

  it('appends a state only if no other writer appended since it was read', async () => {
    await assert.rejects(operateRollout(redis, service, 'pause', 'ops'), { code: 'HOTSWAP_ERR_FLEET_ROLLOUT', message: /no release was published/ });
    const written = await updateRollout(redis, service, () => rollout);
    assert.equal((await readRollout(redis, service))?.id, written?.id);
    // A writer that read before another wrote: its change is asked again on the newer state.
    let calls = 0;
    const raced = await updateRollout(redis, service, (current) => {
      calls++;
      if (calls === 1) void redis.xadd(serviceKeys(service).rollout, '*', 'rollout', JSON.stringify({ ...current, reason: 'the other writer' }));
      return current === undefined ? undefined : { ...current, paused: true };
    });
    assert.equal(calls, 2);
    assert.equal(raced?.state.reason, 'the other writer', 'built on the other writer’s state');
    assert.equal((await redis.xlen(serviceKeys(service).rollout)), 3);
    const resumed = await operateRollout(redis, service, 'resume', 'ops');
    assert.equal(resumed.state.paused, false);
    await assert.rejects(operateRollout(redis, service, 'resume', 'ops'), { code: 'HOTSWAP_ERR_FLEET_ROLLOUT', message: /cannot resume the rollout of .*: it is not paused/ });
  });

  it('is steered by the lease holder only, which also forgets instances silent for long', async () => {
    const keys = serviceKeys(service);
    const now = Date.now();
    await redis.hset(keys.instances, 'gone', JSON.stringify(instance('gone', { heartbeatAt: now - FORGET_MS - 1 })), 'here', JSON.stringify(instance('here', { heartbeatAt: now })));
    assert.equal(await driveOnce(redis, service, 'x'), true);
    assert.equal(await redis.get(keys.lease), 'x');
    assert.deepEqual(await redis.hkeys(keys.instances), ['here']);
    await redis.hset(keys.instances, 'gone', JSON.stringify(instance('gone', { heartbeatAt: now - FORGET_MS - 1 })));
    assert.equal(await driveOnce(redis, service, 'y'), false, 'x holds the lease');
    assert.deepEqual((await redis.hkeys(keys.instances)).sort(), ['gone', 'here'], 'y changed nothing');
    assert.ok((await redis.pttl(keys.lease)) > 0, 'the lease expires unless renewed');
  });

  it('takes no instance whose manager has statically linked plugins (it cannot reload from a release)', async () => {
    const manager = new PluginManager({ staticPlugins: [{ name: 'x', version: '1', definition: { functions: {} } }] });
    await assert.rejects(joinFleet({ redis, service, manager }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT', message: /statically linked plugins take no releases/ });
    await manager.close();
  });

  it('refuses a malformed state with a coded error naming it', async () => {
    const other = `unit-${randomUUID()}`;
    await redis.xadd(serviceKeys(other).rollout, '*', 'rollout', JSON.stringify({ format: 1, releaseId: 'x', version: 'v', plan: { stages: [0.5] } }));
    await assert.rejects(readRollout(redis, other), { code: 'HOTSWAP_ERR_FLEET_RELEASE_INVALID', message: /rollout .* is invalid: its plan is not one/ });
    await redis.del(serviceKeys(other).rollout);
  });
});
