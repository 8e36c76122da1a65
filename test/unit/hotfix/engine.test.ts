/**
 * The engine's life: versions, revert, base check, transactions over several files, init, the
 * debugger turned off after each operation, code loaded before the engine existed.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import inspector from 'node:inspector';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import type { HotfixApplyMessage, HotfixDebuggerMessage } from '../../../src/hotfix/diagnostics.js';
import { createEngineWithPlanner, type HotfixEngine } from '../../../src/hotfix/engine.js';
import { TEST_MS, WAIT_MS, withTimeout } from '../../helpers/timeout.js';
import { closeEngine, createEngine, edit, ModuleDir, naivePlanner, patchOf, quiet, sha256, type AnyModule, type ModuleKind } from './fixtures.js';

describe('hotfix engine', { timeout: TEST_MS }, () => {
  let dir: ModuleDir;
  const engines: HotfixEngine[] = [];
  before(() => {
    dir = new ModuleDir();
  });
  after(() => dir.cleanup());
  afterEach(async () => {
    for (const engine of engines.splice(0)) await closeEngine(engine);
  });
  function engine(options: Parameters<typeof createEngine>[0] = {}): HotfixEngine {
    const created = createEngine(options);
    engines.push(created);
    return created;
  }

  const SOURCE = "'use strict';\nfunction greet(name) { return 'hello ' + name; }\nmodule.exports = { greet };\n";
  const V1 = edit(SOURCE, [["'hello '", "'hi '"]]);
  const V2 = edit(V1, [["'hi '", "'hey '"]]);

  it('patches code loaded before the engine was created, with no start-up flag', async () => {
    const { path, module } = await dir.load(dir.fresh('early', 'cjs'), SOURCE);
    assert.equal(module.greet('ann'), 'hello ann');
    const hotfix = engine();
    const outcome = await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.deepEqual(outcome.functions, [{ file: path, name: 'greet', backend: 'liveedit' }]);
    assert.equal(module.greet('ann'), 'hi ann');
    assert.deepEqual(
      hotfix.list().map((p) => [p.version, p.files, p.functions.map((f) => f.name)]),
      [['v1', [path], ['greet']]],
    );
    assert.ok(!Number.isNaN(Date.parse(hotfix.list()[0]?.appliedAt ?? '')));
  });

  it('accepts a file: URL as the patched file', async () => {
    const { path, module } = await dir.load(dir.fresh('url', 'cjs'), SOURCE);
    const outcome = await engine().apply(patchOf('v1', [{ file: pathToFileURL(path).href, running: SOURCE, next: V1 }]));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(module.greet('ann'), 'hi ann');
  });

  it('patches an ES module imported with a query string', async () => {
    const source = 'export function greet(name) { return `hello ${name}`; }\n';
    const path = dir.write(dir.fresh('query', 'esm'), source);
    const module = await import(`${pathToFileURL(path).href}?v=7`);
    const outcome = await engine().apply(patchOf('v1', [{ file: path, running: source, next: source.replace('hello', 'hi') }]));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(module.greet('ann'), 'hi ann');
  });

  it('re-applying a version changes nothing and says so; the same version with other content is refused', async () => {
    const { path, module } = await dir.load(dir.fresh('again', 'cjs'), SOURCE);
    const hotfix = engine();
    const patch = patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]);
    assert.ok((await hotfix.apply(patch)).ok);
    const again = await hotfix.apply(patch);
    assert.ok(again.ok);
    assert.equal(again.alreadyApplied, true);
    assert.deepEqual(again.functions, [{ file: path, name: 'greet', backend: 'liveedit' }]);
    assert.equal(again.attempts, 0);
    assert.equal(module.greet('ann'), 'hi ann');
    assert.equal(hotfix.list().length, 1);
    const other = await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V2 }]));
    assert.equal(other.ok, false);
    assert.equal(other.ok ? '' : other.error.code, 'HOTSWAP_ERR_HOTFIX_INVALID');
    assert.equal(module.greet('ann'), 'hi ann');
  });

  it('reverts: the old behaviour is back and the version is no longer listed', async () => {
    const { path, module } = await dir.load(dir.fresh('revert', 'cjs'), SOURCE);
    const hotfix = engine();
    assert.ok((await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]))).ok);
    const reverted = await hotfix.revert('v1');
    assert.ok(reverted.ok, reverted.ok ? '' : reverted.error.message);
    assert.deepEqual(reverted.functions, [{ file: path, name: 'greet', backend: 'liveedit' }]);
    assert.equal(module.greet('ann'), 'hello ann');
    assert.deepEqual(hotfix.list(), []);
    const twice = await hotfix.revert('v1');
    assert.equal(twice.ok ? '' : twice.error.code, 'HOTSWAP_ERR_HOTFIX_NOT_APPLIED');
    // And it can be applied again.
    assert.ok((await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]))).ok);
    assert.equal(module.greet('ann'), 'hi ann');
  });

  it('reverts only the newest patch of a file: an older one waits until the later is reverted', async () => {
    const { path, module } = await dir.load(dir.fresh('stack', 'cjs'), SOURCE);
    const hotfix = engine();
    assert.ok((await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]))).ok);
    assert.ok((await hotfix.apply(patchOf('v2', [{ file: path, running: V1, next: V2 }]))).ok);
    assert.equal(module.greet('ann'), 'hey ann');
    const early = await hotfix.revert('v1');
    assert.equal(early.ok, false);
    assert.equal(early.ok ? '' : early.error.code, 'HOTSWAP_ERR_HOTFIX_REFUSED');
    assert.match(early.ok ? '' : early.error.message, /revert v2 first/);
    assert.equal(module.greet('ann'), 'hey ann');
    assert.ok((await hotfix.revert('v2')).ok);
    assert.equal(module.greet('ann'), 'hi ann');
    assert.ok((await hotfix.revert('v1')).ok);
    assert.equal(module.greet('ann'), 'hello ann');
  });

  it('refuses a patch built against other code than the code running', async () => {
    const { path, module } = await dir.load(dir.fresh('base', 'cjs'), SOURCE);
    const outcome = await engine().apply(patchOf('v1', [{ file: path, running: SOURCE.replace('hello', 'HELLO'), next: V1 }]));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_BASE_MISMATCH');
    assert.equal(outcome.file, path);
    assert.equal(module.greet('ann'), 'hello ann');
  });

  it('reports a file no thread has loaded, and malformed patches', async () => {
    const hotfix = engine();
    const missing = await hotfix.apply(patchOf('v1', [{ file: dir.write(dir.fresh('never', 'cjs'), SOURCE), running: SOURCE, next: V1 }]));
    assert.equal(missing.ok ? '' : missing.error.code, 'HOTSWAP_ERR_HOTFIX_SCRIPT_NOT_FOUND');
    const bad: unknown[] = [
      null,
      { version: '', files: [] },
      { version: 'v', files: [] },
      { version: 'v', files: [{ file: '/x.js', baseHash: 'nope', source: '' }] },
      { version: 'v', files: [{ file: '/x.js', baseHash: sha256(''), source: 1 }] },
      { version: 'v', files: [{ file: '/x.js', baseHash: sha256(''), source: '' }, { file: '/x.js', baseHash: sha256(''), source: '' }] },
      { version: 'v', files: [{ file: '/x.js', baseHash: sha256(''), source: '' }], init: '() => {' },
      { version: 'v', files: [{ file: '/x.js', baseHash: sha256(''), source: '' }], scope: [''] },
    ];
    for (const patch of bad) {
      const outcome = await hotfix.apply(patch as never);
      assert.equal(outcome.ok ? '' : outcome.error.code, 'HOTSWAP_ERR_HOTFIX_INVALID', JSON.stringify(patch));
    }
  });

  it('takes only what the scope selects; differences outside it keep running as they are', async () => {
    const source = "function greet(name) { return 'hello ' + name; }\nfunction bye(name) { return 'bye ' + name; }\nmodule.exports = { greet, bye };\n";
    const name = dir.fresh('scope', 'cjs');
    const { path, module } = await dir.load(name, source);
    const next = edit(source, [["'hello '", "'hi '"], ["'bye '", "'ciao '"]]);
    const hotfix = engine();
    const outcome = await hotfix.apply(patchOf('v1', [{ file: path, running: source, next }], { scope: [`${name}#greet`] }));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.deepEqual(outcome.functions.map((f) => f.name), ['greet']);
    assert.equal(module.greet('ann'), 'hi ann');
    assert.equal(module.bye('ann'), 'bye ann');
    const malformed = await hotfix.apply(patchOf('v2', [{ file: path, running: source, next }], { scope: [`${name}#`] }));
    assert.equal(malformed.ok ? '' : malformed.error.code, 'HOTSWAP_ERR_HOTFIX_INVALID');
  });

  it('refuses a patch that changes nothing', async () => {
    const { path } = await dir.load(dir.fresh('same', 'cjs'), SOURCE);
    const outcome = await engine().apply(patchOf('v1', [{ file: path, running: SOURCE, next: SOURCE }]));
    assert.equal(outcome.ok ? '' : outcome.error.code, 'HOTSWAP_ERR_HOTFIX_REFUSED');
  });

  it('patches a CommonJS module compiled inside the wrapper (Module.wrap replaced): the base is the file as on disk', async () => {
    const name = dir.fresh('wrapped', 'cjs');
    const path = dir.write(name, SOURCE);
    const wrap = (Module as unknown as { wrap: (s: string) => string }).wrap;
    (Module as unknown as { wrap: (s: string) => string }).wrap = (script) => wrap(script);
    let module: AnyModule;
    try {
      module = (await import('node:module')).createRequire(path)(path);
    } finally {
      (Module as unknown as { wrap: (s: string) => string }).wrap = wrap;
    }
    const outcome = await engine().apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]));
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal(module.greet('ann'), 'hi ann');
    const hotfix = engines[0] as HotfixEngine;
    assert.ok((await hotfix.revert('v1')).ok);
    assert.equal(module.greet('ann'), 'hello ann');
  });

  describe('patch after patch', () => {
    // On Node 20, LiveEdit leaves a class with fields attached to a copy of the old script when only
    // its methods change (harmless: its own code is the same), and the next Debugger.enable reports
    // that copy with the module's URL and old source.
    const CLASS = "class C { h = () => { return 'h0'; }; m() { return 'm0'; } n() { return 'n0'; } }\nmodule.exports = { C };\n";

    it("patches a class's methods again and again: LiveEdit's copies of old sources are not taken for the module", async () => {
      const { path, module } = await dir.load(dir.fresh('again-class', 'cjs'), CLASS);
      const hotfix = engine();
      const v1 = CLASS.replace("'m0'", "'m1'");
      const v2 = v1.replace("'n0'", "'n2'");
      const first = await hotfix.apply(patchOf('v1', [{ file: path, running: CLASS, next: v1 }]));
      assert.ok(first.ok, first.ok ? '' : first.error.message);
      const second = await hotfix.apply(patchOf('v2', [{ file: path, running: v1, next: v2 }]));
      assert.ok(second.ok, second.ok ? '' : second.error.message);
      assert.deepEqual([new module.C().m(), new module.C().n()], ['m1', 'n2']);
      assert.ok((await hotfix.revert('v2')).ok);
      assert.ok((await hotfix.revert('v1')).ok);
      assert.deepEqual([new module.C().m(), new module.C().n()], ['m0', 'n0']);
    });

    it("a later change of the class's own code is applied, or refused, never reported applied while it runs the old code", async () => {
      const { path, module } = await dir.load(dir.fresh('again-field', 'cjs'), CLASS);
      const hotfix = engine();
      const v1 = CLASS.replace("'m0'", "'m1'");
      const v2 = v1.replace("'h0'", "'h2'");
      assert.ok((await hotfix.apply(patchOf('v1', [{ file: path, running: CLASS, next: v1 }]))).ok);
      const second = await hotfix.apply(patchOf('v2', [{ file: path, running: v1, next: v2 }]));
      if (second.ok) {
        assert.equal(new module.C().h(), 'h2');
      } else {
        assert.ok(['HOTSWAP_ERR_HOTFIX_REFUSED', 'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED'].includes(second.error.code), second.error.message);
        assert.equal(new module.C().h(), 'h0');
        assert.equal(new module.C().m(), 'm1', 'the first patch stays');
      }
    });
  });

  describe('transactions over several files', () => {
    it('reverts the first file when the second cannot be applied (blocked until the deadline)', async () => {
      const a = await dir.load(dir.fresh('multi-a', 'cjs'), SOURCE);
      const slowSource = "async function slow(p) { await p; return 'old'; }\nmodule.exports = { slow };\n";
      const b = await dir.load(dir.fresh('multi-b', 'cjs'), slowSource);
      let release!: () => void;
      const pending = b.module.slow(new Promise<void>((resolve) => (release = resolve)));
      const outcome = await engine({ safePointDeadlineMs: 20 }).apply(
        patchOf('v1', [
          { file: a.path, running: SOURCE, next: V1 },
          { file: b.path, running: slowSource, next: slowSource.replace("'old'", "'new'") },
        ]),
      );
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_BLOCKED');
      assert.equal(outcome.file, b.path);
      assert.equal(outcome.function, 'slow');
      assert.equal(a.module.greet('ann'), 'hello ann', 'the first file is back to its old code');
      release();
      assert.equal(await withTimeout(pending, WAIT_MS, 'the suspended call to finish once released'), 'old');
      assert.equal(await b.module.slow(Promise.resolve()), 'old');
    });

    it('reverts the first file when LiveEdit rejects the second (a planner that let a top-level change through)', async () => {
      const a = await dir.load(dir.fresh('multi-c', 'cjs'), SOURCE);
      const esm = 'export const limit = 10;\nexport function get() { return limit; }\n';
      const b = await dir.load(dir.fresh('multi-d', 'esm'), esm);
      const hotfix = createEngineWithPlanner({ logger: quiet }, naivePlanner);
      engines.push(hotfix);
      const outcome = await hotfix.apply(
        patchOf('v1', [
          { file: a.path, running: SOURCE, next: V1 },
          { file: b.path, running: esm, next: esm.replace('10', '20') },
        ]),
      );
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_LIVEEDIT_FAILED');
      assert.equal(outcome.file, b.path);
      assert.match(outcome.error.message, /BlockedByTopLevelEsModuleChange/);
      assert.equal(a.module.greet('ann'), 'hello ann');
      assert.equal(b.module.get(), 10);
      assert.deepEqual(hotfix.list(), []);
    });

    it('reverts the first file when the second fails verification', async () => {
      const a = await dir.load(dir.fresh('multi-g', 'cjs'), SOURCE);
      const arrow = 'function mk() { return (y) => y * 2; }\nconst f = mk();\nmodule.exports = { f };\n';
      const b = await dir.load(dir.fresh('multi-h', 'cjs'), arrow);
      const hotfix = createEngineWithPlanner({ logger: quiet }, naivePlanner);
      engines.push(hotfix);
      const outcome = await hotfix.apply(
        patchOf('v1', [
          { file: a.path, running: SOURCE, next: V1 },
          { file: b.path, running: arrow, next: arrow.replace('y * 2', 'y * 3') },
        ]),
      );
      assert.equal(outcome.ok ? '' : outcome.error.code, 'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED');
      assert.equal(outcome.ok ? '' : outcome.file, b.path);
      assert.equal(a.module.greet('ann'), 'hello ann');
      assert.equal(b.module.f(3), 6);
    });

    it('applies every file', async () => {
      const a = await dir.load(dir.fresh('multi-e', 'cjs'), SOURCE);
      const esm = 'export function greet(name) { return `hello ${name}`; }\n';
      const b = await dir.load(dir.fresh('multi-f', 'esm'), esm);
      const outcome = await engine().apply(
        patchOf('v1', [
          { file: a.path, running: SOURCE, next: V1 },
          { file: b.path, running: esm, next: esm.replace('hello', 'hi') },
        ]),
      );
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.deepEqual(outcome.functions.map((f) => f.file), [a.path, b.path]);
      assert.equal(a.module.greet('ann'), 'hi ann');
      assert.equal(b.module.greet('ann'), 'hi ann');
    });
  });

  describe('async functions suspended at an await', () => {
    const SLOW = "async function slow(p) { await p; return 'old'; }\n";
    const slowModule = (kind: ModuleKind) => SLOW + (kind === 'cjs' ? 'module.exports = { slow };\n' : 'export { slow };\n');

    for (const kind of ['cjs', 'esm'] as const) {
      it(`waits: blocked while suspended, applied once it has finished (${kind})`, async (t) => {
        const running = slowModule(kind);
        const { path, module } = await dir.load(dir.fresh('suspended', kind), running);
        let release!: () => void;
        const pending = module.slow(new Promise<void>((resolve) => (release = resolve)));
        // Released whatever happens: the apply below waits for it until its deadline.
        t.after(() => release());
        let onRetry = (): void => {};
        const retried = new Promise<void>((resolve) => {
          onRetry = () => resolve();
          subscribe('hotswap:hotfix:retry', onRetry);
        });
        t.after(() => unsubscribe('hotswap:hotfix:retry', onRetry));
        const applying = engine({ safePointDeadlineMs: 60_000 }).apply(patchOf('v1', [{ file: path, running, next: running.replace("'old'", "'new'") }]));
        const first = await withTimeout(Promise.race([retried, applying]), WAIT_MS, 'the apply to retry while a changed async function is suspended');
        assert.equal(first, undefined, `the apply ended before it retried: ${JSON.stringify(first)}`);
        release();
        const outcome = await withTimeout(applying, WAIT_MS, 'the apply to finish once the suspended call was released');
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
        assert.ok(outcome.attempts > 1);
        assert.equal(await withTimeout(pending, WAIT_MS, 'the suspended call to finish'), 'old', 'the suspended call finished on the old code');
        assert.equal(await module.slow(Promise.resolve()), 'new');
      });

      it(`refuses at the deadline with nothing changed (${kind})`, async () => {
        const running = slowModule(kind);
        const { path, module } = await dir.load(dir.fresh('deadline', kind), running);
        let release!: () => void;
        const pending = module.slow(new Promise<void>((resolve) => (release = resolve)));
        const outcome = await engine({ safePointDeadlineMs: 20 }).apply(patchOf('v1', [{ file: path, running, next: running.replace("'old'", "'new'") }]));
        assert.equal(outcome.ok, false);
        if (outcome.ok) return;
        assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_BLOCKED');
        assert.equal(outcome.file, path);
        assert.equal(outcome.function, 'slow');
        assert.equal(await module.slow(Promise.resolve()), 'old');
        release();
        assert.equal(await withTimeout(pending, WAIT_MS, 'the suspended call to finish once released'), 'old');
      });
    }

    it('waits for an unfinished generator too', async () => {
      const source = 'function* gen() { yield 1; yield 2; }\nmodule.exports = { gen };\n';
      const { path, module } = await dir.load(dir.fresh('generator', 'cjs'), source);
      const iterator = module.gen();
      iterator.next();
      const outcome = await engine({ safePointDeadlineMs: 20 }).apply(patchOf('v1', [{ file: path, running: source, next: source.replace('yield 2', 'yield 20') }]));
      assert.equal(outcome.ok ? '' : outcome.error.code, 'HOTSWAP_ERR_HOTFIX_BLOCKED');
      assert.deepEqual(iterator.next(), { value: 2, done: false });
    });
  });

  describe('init', () => {
    it('runs once after the patch applied, with the version and a require from the patched file', async () => {
      const { path, module } = await dir.load(dir.fresh('init', 'cjs'), SOURCE);
      const g = globalThis as { __hotfixInit?: unknown[] };
      g.__hotfixInit = [];
      const init = `async (context) => { globalThis.__hotfixInit.push(context.version, context.require(${JSON.stringify(path)}).greet('bo')); }`;
      const hotfix = engine();
      const patch = patchOf('v1', [{ file: path, running: SOURCE, next: V1 }], { init });
      assert.ok((await hotfix.apply(patch)).ok);
      assert.ok((await hotfix.apply(patch)).ok);
      assert.deepEqual(g.__hotfixInit, ['v1', 'hi bo']);
      assert.equal(module.greet('ann'), 'hi ann');
    });

    it('reverts the patch when init throws', async () => {
      const { path, module } = await dir.load(dir.fresh('init-throws', 'cjs'), SOURCE);
      const hotfix = engine();
      const outcome = await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }], { init: "() => { throw new Error('no migration'); }" }));
      assert.equal(outcome.ok, false);
      if (outcome.ok) return;
      assert.equal(outcome.error.code, 'HOTSWAP_ERR_HOTFIX_INIT_FAILED');
      assert.match(outcome.error.message, /no migration/);
      assert.equal(module.greet('ann'), 'hello ann');
      assert.deepEqual(hotfix.list(), []);
    });
  });

  it('turns the debugger off after each operation, and the patch stays applied', async () => {
    const { path, module } = await dir.load(dir.fresh('debugger', 'cjs'), SOURCE);
    const hotfix = engine();
    // Watch every in-process session: what it posts, what is answered, which scriptParsed it gets.
    type Post = (this: inspector.Session, method: string, params: object, callback: (e: Error | null, r?: object) => void) => void;
    const proto = inspector.Session.prototype as unknown as { post: Post; emit: (this: inspector.Session, event: string, ...args: unknown[]) => boolean };
    const post = proto.post;
    const emit = proto.emit;
    const log = new Map<inspector.Session, string[]>();
    const note = (session: inspector.Session, line: string) => (log.get(session) ?? log.set(session, []).get(session))?.push(line);
    proto.post = function (method, params, callback) {
      note(this, `post ${method}`);
      post.call(this, method, params, (error, result) => {
        note(this, `${error === null ? 'ok' : 'error'} ${method}`);
        callback(error, result);
      });
    };
    proto.emit = function (event, ...args) {
      if (event === 'Debugger.scriptParsed') note(this, 'scriptParsed');
      return emit.call(this, event, ...args);
    };
    const states: HotfixDebuggerMessage[] = [];
    const onState = (message: unknown) => states.push(message as HotfixDebuggerMessage);
    const applied: HotfixApplyMessage[] = [];
    const onApply = (message: unknown) => applied.push(message as HotfixApplyMessage);
    subscribe('hotswap:hotfix:debugger', onState);
    subscribe('hotswap:hotfix:apply', onApply);
    let lines: string[];
    try {
      assert.ok((await hotfix.apply(patchOf('v1', [{ file: path, running: SOURCE, next: V1 }]))).ok);
      const ours = [...log].find(([, l]) => l.includes('post Debugger.setScriptSource'));
      assert.ok(ours !== undefined, "the engine's session was seen");
      const [session, seen] = ours;
      lines = seen;
      // A module loaded now is parsed by V8; an enabled Debugger would report it to the session.
      const before = lines.length;
      await dir.load(dir.fresh('after', 'cjs'), SOURCE);
      assert.equal(log.get(session)?.length, before, 'no event reached the session after the apply');
    } finally {
      proto.post = post;
      proto.emit = emit;
      unsubscribe('hotswap:hotfix:debugger', onState);
      unsubscribe('hotswap:hotfix:apply', onApply);
    }
    const switches = lines.filter((l) => /^(post|ok|error) Debugger\.(enable|disable)$/.test(l));
    assert.deepEqual(switches, ['post Debugger.enable', 'ok Debugger.enable', 'post Debugger.disable', 'ok Debugger.disable']);
    assert.ok(lines.indexOf('scriptParsed') > lines.indexOf('post Debugger.enable'), 'scripts were reported while enabled');
    assert.ok(lines.lastIndexOf('scriptParsed') < lines.indexOf('post Debugger.disable'));
    assert.deepEqual(states.map((s) => [s.thread, s.enabled]), [['main thread', true], ['main thread', false]]);
    assert.equal(applied.length, 1);
    assert.equal(applied[0]?.outcome.ok, true);
    assert.equal(module.greet('ann'), 'hi ann', 'the patch stays applied with the debugger off');
  });

  it('refuses to work after close()', async () => {
    const hotfix = createEngine();
    await hotfix.close();
    await assert.rejects(async () => hotfix.apply(patchOf('v1', [])), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
    assert.throws(() => hotfix.revert('v1'), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' });
  });
});
