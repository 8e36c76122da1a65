import assert from 'node:assert/strict';
import { once, EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { LiveJobScheduler } from '../../../src/index.js';

describe('LiveJobScheduler', () => {
  function scheduler(call: (fn: string, data: unknown) => unknown) {
    const errors = new EventEmitter();
    const jobs = new LiveJobScheduler(call, (error, job) => errors.emit('error-seen', error, job));
    return { jobs, errors };
  }

  it('calls the function by name with the data when the job fires', async () => {
    const fired = new EventEmitter();
    const { jobs } = scheduler((fn, data) => fired.emit('call', fn, data));
    const seen = once(fired, 'call');
    const id = jobs.schedule('live_send', { to: 'ann' }, { delayMs: 0 });
    assert.equal(jobs.pending, 1);
    assert.deepEqual(await seen, ['live_send', { to: 'ann' }]);
    assert.equal(jobs.pending, 0);
    assert.equal(jobs.cancel(id), false, 'already ran');
  });

  it('cancels a pending job', async () => {
    const fired = new EventEmitter();
    const calls: string[] = [];
    const { jobs } = scheduler((fn) => {
      calls.push(fn);
      fired.emit('call', fn);
    });
    const id = jobs.schedule('live_cancelled', null, { delayMs: 0 });
    assert.equal(jobs.cancel(id), true);
    // Timers of equal delay fire in order: once the later job ran, the cancelled one would have too.
    const witness = once(fired, 'call');
    jobs.schedule('live_witness', null, { delayMs: 0 });
    await witness;
    assert.deepEqual(calls, ['live_witness']);
    assert.equal(jobs.pending, 0);
  });

  it('lists pending jobs oldest first, all or those naming one function', () => {
    const { jobs } = scheduler(() => undefined);
    const a = jobs.schedule('live_a', null, { delayMs: 60_000 });
    const b = jobs.schedule('live_b', null, { delayMs: 60_000 });
    const c = jobs.schedule('live_a', null, { delayMs: 60_000 });
    assert.deepEqual(jobs.list(), [{ id: a, fn: 'live_a' }, { id: b, fn: 'live_b' }, { id: c, fn: 'live_a' }]);
    assert.deepEqual(jobs.list('live_a'), [{ id: a, fn: 'live_a' }, { id: c, fn: 'live_a' }]);
    jobs.cancel(a);
    assert.deepEqual(jobs.list('live_a'), [{ id: c, fn: 'live_a' }]);
    jobs.cancelAll();
    assert.deepEqual(jobs.list(), []);
  });

  it('reports a job whose function throws or rejects, without throwing', async () => {
    const { jobs, errors } = scheduler((fn) => {
      if (fn === 'live_throws') throw new Error('sync boom');
      return Promise.reject(new Error('async boom'));
    });
    const first = once(errors, 'error-seen');
    jobs.schedule('live_throws', null, { delayMs: 0 });
    const [error1, job1] = (await first) as [Error, { fn: string }];
    assert.equal(error1.message, 'sync boom');
    assert.equal(job1.fn, 'live_throws');
    const second = once(errors, 'error-seen');
    jobs.schedule('live_rejects', null, { delayMs: 0 });
    assert.equal(((await second)[0] as Error).message, 'async boom');
  });

  it('refuses data that would keep code alive, and bad arguments', () => {
    const { jobs } = scheduler(() => undefined);
    assert.throws(() => jobs.schedule('live_a', { cb: () => 1 }, { delayMs: 0 }), { code: 'HOTSWAP_ERR_LIVE_DATA_INVALID' });
    assert.throws(() => jobs.schedule('', null, { delayMs: 0 }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
    assert.throws(() => jobs.schedule('live_a', null, { delayMs: -1 }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
    assert.equal(jobs.pending, 0);
  });
});
