/**
 * The control server under hostile input, over a real socket, in front of a real PluginManager
 * (a built plugin) and a real hotfix engine: random bytes, truncated frames, JSON nested 100 000
 * deep, strings of tens of MB under and over the frame limit, wrong parameters for every method,
 * odd ids, requests before hello, clients that leave mid-request. After each batch the server
 * still answers `status` on a fresh connection with the state the test expects, every error answer
 * carries a `HOTSWAP_ERR_*` code, and nothing was thrown in the process. The random batches use a
 * seeded generator: the seed is printed, and HOTSWAP_FUZZ_SEED=<seed> replays a run. The event
 * loop's longest stall is printed per batch (it includes this client's own work on the same
 * thread), never asserted.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { after, before, describe, it, type TestContext } from 'node:test';
import { connectControl, startControl, type ControlHandle, type ControlledManager } from '../../../src/control/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../src/control/framing.js';
import type { HotfixEngine } from '../../../src/hotfix/index.js';
import { PluginManager } from '../../../src/index.js';
import type { ReloadOutcome } from '../../../src/runtime/options.js';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { pluginSource } from '../../helpers/plugin-source.js';
import { TEST_MS, WAIT_MS, withTimeout } from '../../helpers/timeout.js';
import { pluginEvents, Workspace } from '../../helpers/workspace.js';
import { closeEngine, createEngine, ModuleDir, sha256 } from '../hotfix/fixtures.js';
import { answerId, framesOf, garbage, generator, pieces } from './fuzz-input.js';
import { assertCoded, assertError, frame, hello, INVALID_ARGUMENT, MALFORMED, MISMATCH, padded, Raw, request, resultOf, TOO_LARGE, UNKNOWN, type Answer } from './raw-connection.js';

const SEED = Number(process.env['HOTSWAP_FUZZ_SEED'] ?? randomInt(1, 2 ** 31));
const NAME = 'fuzz';
/** Small next to the 64 MiB default, large enough for strings of tens of MB under it. */
const LIMIT = 24 * 1024 * 1024;
const MB = 1_000_000;
const DEPTH = 100_000;
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The longest event-loop stall a histogram saw, for the test's diagnostic output. */
function stall(loop: IntervalHistogram): string {
  return loop.count === 0 ? 'none sampled (too short)' : `${(loop.max / 1e6).toFixed(1)} ms`;
}

async function inGroups<T>(items: readonly T[], size: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item, j) => run(item, i + j)));
}

// ---------------------------------------------------------------------------------------------

/** The manager as the control server reaches it: every reload it asks for is kept, so the test can await it. */
class CountedManager implements ControlledManager {
  readonly reloads: Promise<ReloadOutcome>[] = [];
  readonly #watchers = new Set<() => void>();
  constructor(private readonly manager: PluginManager) {}

  reload(data?: unknown): Promise<ReloadOutcome> {
    const outcome = this.manager.reload(data);
    this.reloads.push(outcome);
    for (const watcher of [...this.#watchers]) watcher();
    return outcome;
  }

  rollback(options?: Parameters<ControlledManager['rollback']>[0]): Promise<ReloadOutcome> {
    return this.manager.rollback(options);
  }

  usePluginDir(dir: string): void {
    this.manager.usePluginDir(dir);
  }

  status(): ReturnType<ControlledManager['status']> {
    return this.manager.status();
  }

  /** The outcomes of reloads `from` up to `to` (exclusive), once the server has asked for them all. */
  async outcomes(from: number, to: number, what: string): Promise<ReloadOutcome[]> {
    let check = (): void => {};
    const asked = new Promise<void>((resolve) => {
      check = () => {
        if (this.reloads.length >= to) resolve();
      };
    });
    this.#watchers.add(check);
    check();
    await withTimeout(asked, WAIT_MS, () => `${what}: ${to - from} reload(s) asked of the manager (${this.reloads.length - from} so far)`).finally(() => this.#watchers.delete(check));
    return withTimeout(Promise.all(this.reloads.slice(from, to)), WAIT_MS, `${what}: the reloads to end`);
  }
}

/** The next message published on a diagnostics channel that matches `match`. Call it before what publishes it. */
function published(name: string, match: (message: unknown) => boolean, what: string): Promise<unknown> {
  let listener = (_message: unknown): void => {};
  const seen = new Promise<unknown>((resolve) => {
    listener = (message) => {
      if (match(message)) resolve(message);
    };
  });
  subscribe(name, listener);
  return withTimeout(seen, WAIT_MS, what).finally(() => unsubscribe(name, listener));
}

interface StatusAnswer {
  readonly pid: number;
  readonly name: string;
  readonly manager: { readonly current: { readonly plugins: readonly { name: string; version: string }[] } | null } | null;
  readonly hotfix: readonly { version: string }[] | null;
}

describe(`control server fuzz (seed ${SEED}; replay with HOTSWAP_FUZZ_SEED=${SEED})`, { timeout: TEST_MS }, () => {
  let ws: Workspace;
  let manager: PluginManager;
  let counted: CountedManager;
  let hotfix: HotfixEngine;
  let modules: ModuleDir;
  let control: ControlHandle;
  let pluginLoads: string[];
  /** What status must show: the plugin's version, the applied patches. */
  const expected = { version: 'v1', patches: [] as string[] };
  let built = 0;
  /** What was thrown in the process, and how much of it a check has looked at. */
  const thrown: string[] = [];
  let checked = 0;
  const onThrown = (error: unknown): void => void thrown.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  const overall = monitorEventLoopDelay({ resolution: 5 });

  /** A new version of the plugin, built for real; the next reload swaps it in. */
  const rebuild = async (): Promise<string> => {
    const tag = `v${++built}`;
    await ws.plugin('p', pluginSource(`onLoad(data: unknown) { record('load ' + (Array.isArray(data) ? 'array' : typeof data)); }, functions: { version: () => '${tag}' }`), tag);
    return tag;
  };

  before(async () => {
    process.on('uncaughtException', onThrown);
    process.on('unhandledRejection', onThrown);
    overall.enable();
    pluginLoads = pluginEvents();
    ws = await Workspace.create();
    await rebuild();
    manager = new PluginManager({ pluginDir: ws.outDir, logger: quiet, freeDelay: 0 });
    const loaded = await manager.load();
    assert.equal(loaded.ok, true, JSON.stringify(loaded));
    counted = new CountedManager(manager);
    hotfix = createEngine();
    modules = new ModuleDir();
    control = await startControl({ manager: counted, hotfix, name: NAME, logger: quiet, maxFrameBytes: LIMIT });
  });
  after(async () => {
    await control.close();
    await closeEngine(hotfix);
    await manager.close();
    modules.cleanup();
    await ws.dispose();
    overall.disable();
    process.off('uncaughtException', onThrown);
    process.off('unhandledRejection', onThrown);
  });

  /** Nothing thrown so far, and a fresh connection gets the status the test expects. */
  const assertServes = async (what: string): Promise<void> => {
    const since = thrown.slice(checked);
    checked = thrown.length;
    assert.deepEqual(since, [], `${what}: thrown in the process (seed ${SEED})`);
    const client = await connectControl(control.socketPath, { timeoutMs: WAIT_MS });
    try {
      const status = (await client.call('status')) as StatusAnswer;
      assert.equal(status.pid, process.pid, what);
      assert.equal(status.name, NAME, what);
      assert.deepEqual(status.manager?.current?.plugins.map((p) => `${p.name}@${p.version}`), [`p@${expected.version}`], what);
      assert.deepEqual(status.hotfix?.map((p) => p.version), expected.patches, what);
    } finally {
      client.close();
    }
  };

  /** A batch: run, print its longest event-loop stall, then check the server still serves. */
  const batch = (name: string, run: (t: TestContext) => Promise<void>): void => {
    it(name, async (t) => {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      try {
        await run(t);
        // Reloads asked for by clients that did not wait for the answer end before the next batch.
        await withTimeout(Promise.allSettled(counted.reloads), WAIT_MS, 'the reloads asked for in this batch to end');
      } finally {
        loop.disable();
        t.diagnostic(`longest event-loop stall in this batch: ${stall(loop)}`);
      }
      await assertServes(name);
    });
  };

  batch('random bytes and random requests, cut anywhere: each answered (coded errors), or the connection closed after a bad frame', async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const random = generator(SEED);
    let id = 1000;
    const nextId = (): number => id++;
    const seen = { closed: 0, cutShort: 0, inStep: 0, answers: 0 };
    const cases = Array.from({ length: 300 }, (_, i) => ({ i, greet: random() < 0.6, bytes: garbage(random, nextId, LIMIT), cuts: generator(SEED + i) }));
    await inGroups(cases, 25, async ({ i, greet, bytes, cuts }) => {
      const what = `seed ${SEED}, case ${i}`;
      const { docs, fatal, pending } = framesOf(bytes, LIMIT);
      const wanted = docs.map(answerId).filter((id) => id !== undefined);
      const conn = await Raw.open(control.socketPath);
      try {
        if (greet) resultOf(await conn.ask(hello, `${what}: hello`), `${what}: hello`);
        const start = conn.answers.length;
        conn.write(...pieces(cuts, bytes));
        if (fatal !== undefined) {
          await conn.closedByServer(what);
          assertCoded(conn.answers, what);
          const last = conn.answers.at(-1);
          assert.ok(last !== undefined, `${what}: the bad frame is answered before the close`);
          assertError(last, fatal, what, -32700);
          assert.equal(last.id, null, what);
          // Requests in the same chunk as the bad frame may go unanswered; none is answered twice.
          assert.ok(conn.answers.length - start <= wanted.length + 1, what);
          seen.closed++;
          seen.answers += conn.answers.length - start;
          return;
        }
        await conn.until(start + wanted.length, what);
        assert.equal(conn.closed, false, `${what}: the connection stays open`);
        if (pending) {
          // A frame cut short: the client goes away with it.
          assertCoded(conn.answers, what);
          seen.cutShort++;
          seen.answers += wanted.length;
          return;
        }
        // The stream is still in step: a hello and a status after it are answered.
        conn.write(request('again', 'hello', { protocol: 1 }), request('final', 'status'));
        await conn.until(start + wanted.length + 2, what);
        const got = conn.answers.slice(start);
        assertCoded(got, what);
        const key = (v: unknown): string => JSON.stringify(v);
        assert.deepEqual(got.map((a) => key(a.id)).sort(), [...wanted, 'again', 'final'].map(key).sort(), `${what}: one answer per request, with its id`);
        assert.equal(resultOf<StatusAnswer>(got.find((a) => a.id === 'final') as Answer, what).pid, process.pid);
        seen.inStep++;
        seen.answers += wanted.length;
      } finally {
        conn.leave();
      }
    });
    t.diagnostic(
      `${cases.length} cases: ${seen.closed} closed after a bad frame, ${seen.cutShort} left with a frame cut short, ${seen.inStep} still in step after; ${seen.answers} answers checked`,
    );
  });

  batch('truncated frames: a header promising more than is sent, then the client leaves; a frame sent a byte at a time is answered', async () => {
    const header = (length: number): Buffer => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(length, 0);
      return out;
    };
    const status = request(7, 'status');
    // Each after a hello in the same write: once the hello is answered, the server has read what follows it.
    const cases: { cut: Buffer; answered: number }[] = [
      { cut: Buffer.concat([header(1000), Buffer.from('{"jsonrpc":')]), answered: 1 },
      { cut: header(LIMIT), answered: 1 },
      { cut: Buffer.concat([header(LIMIT), Buffer.alloc(3 * MB, 'x')]), answered: 1 },
      { cut: header(5).subarray(0, 2), answered: 1 },
      { cut: status.subarray(0, status.length - 1), answered: 1 },
      { cut: Buffer.concat([request(8, 'reload'), status.subarray(0, 3)]), answered: 2 },
    ];
    for (const [i, { cut, answered }] of cases.entries()) {
      const what = `truncated case ${i}`;
      const conn = await Raw.open(control.socketPath);
      conn.write(Buffer.concat([hello, cut]));
      await conn.until(answered, what);
      assertCoded(conn.answers, what);
      assert.deepEqual(
        conn.answers.map((a) => a.id),
        [0, 8].slice(0, answered),
        `${what}: the whole requests are answered, the cut one is not`,
      );
      assert.equal(conn.closed, false, `${what}: the server waits for the rest of the frame`);
      conn.leave();
    }
    const slow = await Raw.open(control.socketPath);
    try {
      for (const byte of Buffer.concat([hello, status])) slow.write(Buffer.from([byte]));
      resultOf(await slow.next('hello sent a byte at a time'), 'hello');
      assert.equal(resultOf<StatusAnswer>(await slow.next('status sent a byte at a time'), 'status').pid, process.pid);
    } finally {
      slow.leave();
    }
  });

  batch(`JSON nested ${DEPTH} deep: as the frame, as the id, the method and the parameters of every method`, async () => {
    const arrays = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
    const objects = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
    const raw = (id: string, method: string, params: string): Buffer => frame(`{"jsonrpc":"2.0","id":${id},"method":${method},"params":${params}}`);

    const early = await Raw.open(control.socketPath);
    try {
      assertError(await early.ask(raw('1', '"hello"', `{"protocol":${arrays}}`), 'hello with a deep protocol'), MISMATCH, 'hello with a deep protocol');
      assertError(await early.ask(raw('2', '"hello"', objects), 'hello with deep params'), MISMATCH, 'hello with deep params');
      assertError(await early.ask(raw('3', '"status"', objects), 'status before hello'), MISMATCH, 'status before hello');
      resultOf(await early.ask(hello, 'hello after them'), 'hello after them');
    } finally {
      early.leave();
    }

    const tag = await rebuild();
    pluginLoads.length = 0;
    const conn = await Raw.open(control.socketPath);
    try {
      resultOf(await conn.ask(hello, 'hello'), 'hello');
      const whole = await conn.ask(frame(arrays), 'a deep array as the frame');
      assertError(whole, MALFORMED, 'a deep array as the frame', -32600);
      assert.equal(whole.id, null);
      const deepId = await conn.ask(raw(arrays, '"status"', '{}'), 'a deep id');
      assertError(deepId, MALFORMED, 'a deep id', -32600);
      assert.equal(deepId.id, null);
      assertError(await conn.ask(raw('"m"', objects, '{}'), 'a deep method'), MALFORMED, 'a deep method', -32600);
      assertError(await conn.ask(frame(`{"jsonrpc":"2.0","id":"p","method":"status","params":${arrays}}`), 'deep params as an array'), MALFORMED, 'deep params', -32600);
      assert.equal(resultOf<StatusAnswer>(await conn.ask(raw('"s"', '"status"', `{"deep":${objects}}`), 'status'), 'status').pid, process.pid);
      const reloaded = resultOf<{ ok: boolean; details: { version: string }[] }>(await conn.ask(raw('"r"', '"reload"', `{"data":${objects}}`), 'reload'), 'reload');
      assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
      assert.deepEqual(reloaded.details.map((d) => d.version), [tag]);
      assert.deepEqual(pluginLoads, ['load object'], 'the deep data reached the plugin');
      expected.version = tag;
      for (const patch of [objects, arrays, `{"version":"deep","files":[${arrays}]}`]) {
        const applied = resultOf<{ ok: boolean; error: { code: string } }>(await conn.ask(raw('"a"', '"hotfix.apply"', `{"patch":${patch}}`), 'hotfix.apply'), 'hotfix.apply');
        assert.deepEqual([applied.ok, applied.error.code], [false, 'HOTSWAP_ERR_HOTFIX_INVALID']);
      }
      assertError(await conn.ask(raw('"v"', '"hotfix.revert"', `{"version":${arrays}}`), 'hotfix.revert'), INVALID_ARGUMENT, 'hotfix.revert', -32602);
      assert.deepEqual(resultOf(await conn.ask(raw('"l"', '"hotfix.list"', objects), 'hotfix.list'), 'hotfix.list'), []);
      resultOf(await conn.ask(raw('"e"', '"events.subscribe"', objects), 'events.subscribe'), 'events.subscribe');
      assertError(await conn.ask(raw('"n"', '"nope"', objects), 'an unknown method'), UNKNOWN, 'an unknown method', -32601);
    } finally {
      conn.leave();
    }
  });

  batch(`strings of tens of MB, under and over a ${LIMIT / 1024 / 1024} MiB frame limit; answers over the limit`, async () => {
    // Each frame is 20 MB, most of it one string of 'x' (built as bytes: this side's JSON.stringify stays out of the measure).
    const big = 20 * MB;
    const huge = (head: string, tail: string): Buffer => padded(`{"jsonrpc":"2.0",${head}"`, big, `"${tail}}`);
    const conn = await Raw.open(control.socketPath);
    try {
      resultOf(await conn.ask(hello, 'hello'), 'hello');
      assert.equal(resultOf<StatusAnswer>(await conn.ask(huge('"id":"pad","method":"status","params":{"pad":', '}'), 'status with 20 MB of params'), 'status').pid, process.pid);
      const idHead = '{"jsonrpc":"2.0","method":"status","id":"';
      const bigId = await conn.ask(huge('"method":"status","id":', ''), 'status with a 20 MB id');
      resultOf(bigId, 'status with a 20 MB id');
      assert.ok(bigId.id === 'x'.repeat(big - idHead.length - 2), 'the 20 MB id comes back whole');
      const reloaded = resultOf<{ ok: boolean }>(await conn.ask(huge('"id":"r","method":"reload","params":{"data":', '}'), 'reload with 20 MB of data'), 'reload');
      assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
      const applied = resultOf<{ ok: boolean; error: { code: string } }>(await conn.ask(huge('"id":"a","method":"hotfix.apply","params":{"patch":', '}'), 'hotfix.apply'), 'hotfix.apply');
      assert.deepEqual([applied.ok, applied.error.code], [false, 'HOTSWAP_ERR_HOTFIX_INVALID']);
      const reverted = resultOf<{ ok: boolean; error: { code: string } }>(await conn.ask(huge('"id":"v","method":"hotfix.revert","params":{"version":', '}'), 'hotfix.revert'), 'hotfix.revert');
      assert.deepEqual([reverted.ok, reverted.error.code], [false, 'HOTSWAP_ERR_HOTFIX_NOT_APPLIED']);
      assertError(await conn.ask(huge('"id":"n","method":', ''), 'a 20 MB method name'), UNKNOWN, 'a 20 MB method name', -32601);
      // A frame of exactly the limit is read and answered.
      const edge = await conn.ask(padded('{"jsonrpc":"2.0","id":"edge","method":"status","params":{"pad":"', LIMIT, '"}}'), 'a frame of exactly the limit');
      assert.equal(resultOf<StatusAnswer>(edge, 'a frame of exactly the limit').pid, process.pid);
      // A request of exactly the limit whose answer (the unknown method's name in the message) is over it.
      const over = await conn.ask(padded('{"jsonrpc":"2.0","id":"over","method":"', LIMIT, '"}'), 'an answer over the limit');
      assertError(over, TOO_LARGE, 'an answer over the limit');
      assert.equal(over.id, 'over');
      assert.equal(resultOf<StatusAnswer>(await conn.ask(request('after', 'status'), 'status after an answer over the limit'), 'status').pid, process.pid);
    } finally {
      conn.leave();
    }
    for (const [what, bytes] of [
      ['a frame one byte over the limit', padded('{"jsonrpc":"2.0","id":1,"method":"status","params":{"pad":"', LIMIT + 1, '"}}')],
      ['40 MB of reload data', padded('{"jsonrpc":"2.0","id":1,"method":"reload","params":{"data":"', 40 * MB, '"}}')],
    ] as const) {
      const reloadsBefore = counted.reloads.length;
      const refused = await Raw.open(control.socketPath);
      refused.write(hello, bytes);
      await refused.closedByServer(what);
      assertCoded(refused.answers, what);
      const last = refused.answers.at(-1);
      assert.ok(last !== undefined, `${what}: answered before the close`);
      assertError(last, TOO_LARGE, what, -32700);
      assert.equal(last.id, null);
      assert.equal(counted.reloads.length, reloadsBefore, `${what}: nothing ran`);
    }
  });

  it('a request whose answer cannot be sent even as an error (an id the size of the default limit) closes that connection, not the host', async (t) => {
    // The default limit: an answer over it falls back to an error with the same id, itself over it.
    const dir = makeTempDir();
    const big = await startControl({ manager: counted, name: 'big', logger: quiet, socketPath: join(dir.path, 'big.sock') });
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    try {
      const prefix = '{"jsonrpc":"2.0","method":"status","id":"';
      const whole = padded(prefix, DEFAULT_MAX_FRAME_BYTES, '"}');
      for (const greeted of [false, true]) {
        const what = greeted ? 'after hello' : 'before hello';
        const conn = await Raw.open(big.socketPath);
        if (greeted) resultOf(await conn.ask(hello, 'hello'), 'hello');
        conn.write(whole);
        await conn.closedByServer(what);
        assertCoded(conn.answers, what);
        assert.equal(conn.answers.length, greeted ? 1 : 0, `${what}: nothing answered but hello`);
        assert.deepEqual(thrown.slice(checked), [], `${what}: thrown in the process`);
      }
      const client = await connectControl(big.socketPath, { timeoutMs: WAIT_MS });
      try {
        assert.equal(((await client.call('status')) as StatusAnswer).name, 'big');
      } finally {
        client.close();
      }
    } finally {
      loop.disable();
      t.diagnostic(`longest event-loop stall in this batch: ${stall(loop)}`);
      await big.close();
      dir.cleanup();
    }
    await assertServes('after the default-limit server');
  });

  batch('wrong parameter types for every method, unknown methods, params that are not an object, odd ids, notifications', async () => {
    const conn = await Raw.open(control.socketPath);
    try {
      resultOf(await conn.ask(hello, 'hello'), 'hello');
      let n = 0;
      const ask = (method: unknown, params?: unknown): Promise<Answer> => conn.ask(request(`c${++n}`, method, params), `${String(method)} ${JSON.stringify(params)}`);
      const outcomeCode = async (method: string, params: unknown): Promise<string> => {
        const outcome = resultOf<{ ok: boolean; error?: { code: string } }>(await ask(method, params), `${method} ${JSON.stringify(params)}`);
        return outcome.ok ? 'ok' : (outcome.error?.code ?? 'no code');
      };
      for (const data of [42, 'text', [1, 2], null, true, { n: 1 }, JSON.parse('{"__proto__":{"polluted":true}}') as unknown]) assert.equal(await outcomeCode('reload', { data }), 'ok', `reload data ${JSON.stringify(data)}`);
      assert.equal(await outcomeCode('reload', {}), 'ok');
      const patches: unknown[] = [42, [1], null, 'text', true, {}, { version: 1 }, { version: 'v', files: 'x' }, { version: 'v', files: [] }, { version: 'v', files: [{}] }, { version: 'v', files: [{ file: '/x', baseHash: '0'.repeat(64), source: 1 }] }];
      for (const patch of patches) assert.equal(await outcomeCode('hotfix.apply', { patch }), 'HOTSWAP_ERR_HOTFIX_INVALID', `patch ${JSON.stringify(patch)}`);
      assert.equal(await outcomeCode('hotfix.apply', {}), 'HOTSWAP_ERR_HOTFIX_INVALID', 'no patch');
      for (const version of [5, {}, [], null, true, ['v1']]) assertError(await ask('hotfix.revert', { version }), INVALID_ARGUMENT, `revert version ${JSON.stringify(version)}`, -32602);
      assertError(await ask('hotfix.revert', {}), INVALID_ARGUMENT, 'revert without a version', -32602);
      assert.equal(await outcomeCode('hotfix.revert', { version: 'never-applied' }), 'HOTSWAP_ERR_HOTFIX_NOT_APPLIED');
      for (const method of ['status', 'hotfix.list', 'events.subscribe']) resultOf(await ask(method, { data: [1], version: {}, x: null }), `${method} with junk params`);
      for (const method of ['nope', 'hello', 'hotfix', 'hotfix.', 'HOTFIX.LIST', 'status ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'event']) {
        assertError(await ask(method), UNKNOWN, `method ${method}`, -32601);
      }
      for (const params of [[], [1, 2], 'x', 3, null, true]) {
        const answer = await ask('status', params);
        assertError(answer, MALFORMED, `params ${JSON.stringify(params)}`, -32600);
        assert.equal(answer.id, `c${n}`, 'the id is echoed');
      }
      for (const method of [5, null, {}, [], '']) assertError(await ask(method), MALFORMED, `method ${JSON.stringify(method)}`, -32600);
      for (const jsonrpc of ['1.0', 2, null, undefined]) {
        const answer = await conn.ask(frame(JSON.stringify({ jsonrpc, id: 'j', method: 'status' })), `jsonrpc ${String(jsonrpc)}`);
        assertError(answer, MALFORMED, `jsonrpc ${String(jsonrpc)}`, -32600);
        assert.equal(answer.id, 'j');
      }
      for (const id of [null, true, false, {}, [], { a: 1 }, [1]]) {
        const answer = await conn.ask(request(id, 'status'), `id ${JSON.stringify(id)}`);
        assertError(answer, MALFORMED, `id ${JSON.stringify(id)}`, -32600);
        assert.equal(answer.id, null);
      }
      for (const id of [0, -0, -7, 1.5, 2 ** 53 + 2, 1e308, '', 'é😀', '\u0000']) {
        const answer = await conn.ask(request(id, 'status'), `id ${JSON.stringify(id)}`);
        assert.equal(resultOf<StatusAnswer>(answer, `id ${JSON.stringify(id)}`).pid, process.pid);
        assert.equal(answer.id, JSON.parse(JSON.stringify(id)));
      }
      // Notifications (no id) are not answered, and do not run: the next request's answer comes first.
      const reloadsBefore = counted.reloads.length;
      for (const method of ['status', 'reload', 'nope', 'hotfix.revert']) {
        assert.equal((await conn.ask(Buffer.concat([request(undefined, method, { version: 1 }), request('after', 'hotfix.list')]), `notification ${method}`)).id, 'after');
      }
      assert.equal(counted.reloads.length, reloadsBefore, 'a reload notification does not reload');
      assertCoded(conn.answers, 'wrong parameters');
    } finally {
      conn.leave();
    }
  });

  batch('requests before hello are refused and do not run; hello with another protocol is refused; after hello, requests run', async () => {
    const reloadsBefore = counted.reloads.length;
    const { path, module } = await modules.load(modules.fresh('early', 'cjs'), 'exports.answer = function answer() { return 1; };\n');
    const patch = { version: 'early', files: [{ file: path, baseHash: sha256('exports.answer = function answer() { return 1; };\n'), source: 'exports.answer = function answer() { return 2; };\n' }] };
    const conn = await Raw.open(control.socketPath);
    try {
      for (const [method, params] of [['status'], ['reload', { data: 1 }], ['hotfix.apply', { patch }], ['hotfix.revert', { version: 'early' }], ['hotfix.list'], ['events.subscribe'], ['nope']] as const) {
        assertError(await conn.ask(request(method, method, params), `${method} before hello`), MISMATCH, `${method} before hello`, -32600);
      }
      assert.equal((await conn.ask(Buffer.concat([request(undefined, 'reload'), request('x', 'status')]), 'a notification before hello')).id, 'x');
      for (const params of [{ protocol: 2 }, { protocol: '1' }, { protocol: null }, {}, { protocol: [1] }, { protocol: 0.5 }]) {
        assertError(await conn.ask(request('h', 'hello', params), `hello ${JSON.stringify(params)}`), MISMATCH, `hello ${JSON.stringify(params)}`, -32600);
      }
      assert.equal(counted.reloads.length, reloadsBefore, 'no reload ran before hello');
      assert.equal(module.answer(), 1, 'no patch was applied before hello');
      // Pipelined in one write: refused, greeted, answered.
      conn.write(Buffer.concat([request('a', 'status'), hello, request('b', 'status')]));
      assertError(await conn.next('status before hello, pipelined'), MISMATCH, 'status before hello, pipelined');
      resultOf(await conn.next('hello, pipelined'), 'hello');
      assert.equal(resultOf<StatusAnswer>(await conn.next('status after hello, pipelined'), 'status').pid, process.pid);
      assertError(await conn.ask(hello, 'hello twice'), UNKNOWN, 'hello twice', -32601);
    } finally {
      conn.leave();
    }
  });

  batch('clients that leave mid-request: reloads and hotfixes go on, events to a gone subscriber are dropped', async () => {
    const tag = await rebuild();
    const first = counted.reloads.length;
    const leavers = await Promise.all(Array.from({ length: 20 }, () => Raw.open(control.socketPath)));
    await Promise.all(leavers.map((conn) => conn.sendAndLeave(hello, request(1, 'events.subscribe'), request(2, 'reload', { data: 'left' }), request(3, 'status').subarray(0, 9))));
    const outcomes = await counted.outcomes(first, first + leavers.length, 'reloads of clients that left');
    for (const outcome of outcomes) assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.ok(
      outcomes.some((o) => o.ok && o.changed && o.details.some((d) => d.version === tag)),
      'one of them swapped the new version in',
    );
    expected.version = tag;

    const source = 'exports.answer = function answer() { return 1; };\n';
    const { path, module } = await modules.load(modules.fresh('leave', 'cjs'), source);
    const patch = { version: 'leave-1', files: [{ file: path, baseHash: sha256(source), source: source.replace('1', '2') }] };
    const applied = published('hotswap:hotfix:apply', (m) => (m as { version: string }).version === 'leave-1', 'the hotfix of a client that left to be applied');
    const applier = await Raw.open(control.socketPath);
    await applier.sendAndLeave(hello, request(1, 'hotfix.apply', { patch }));
    assert.equal(((await applied) as { outcome: { ok: boolean } }).outcome.ok, true);
    assert.equal(module.answer(), 2);
    expected.patches = ['leave-1'];
    await assertServes('after a hotfix applied for a client that left');

    const reverted = published('hotswap:hotfix:revert', (m) => (m as { version: string }).version === 'leave-1', 'the revert of a client that left');
    const reverter = await Raw.open(control.socketPath);
    await reverter.sendAndLeave(hello, request(1, 'hotfix.revert', { version: 'leave-1' }));
    assert.equal(((await reverted) as { outcome: { ok: boolean } }).outcome.ok, true);
    assert.equal(module.answer(), 1);
    expected.patches = [];
  });

  it('left nothing thrown in the process; prints the longest event-loop stall of the whole run', (t) => {
    t.diagnostic(`seed ${SEED}; longest event-loop stall over the whole run: ${stall(overall)}`);
    assert.deepEqual(thrown, []);
  });
});
