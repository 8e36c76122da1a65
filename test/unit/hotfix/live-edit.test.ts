/**
 * LiveEdit behind V8's `--inspector-live-edit` (src/hotfix/live-edit.ts): turned on where V8 keeps
 * `Debugger.setScriptSource` off (Node 26), never set where it is not needed, and a clear refusal
 * where it cannot be turned on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { enableLiveEdit } from '../../../src/hotfix/live-edit.js';
import { ProtocolError } from '../../../src/hotfix/session.js';
import { ScriptRegistry, type ScriptParsedParams } from '../../../src/hotfix/registry.js';
import type { DebugThread } from '../../../src/hotfix/threads.js';
import { makeTempDir } from '../../helpers/build-fixture.js';
import { spawnSyncBounded, TEST_MS } from '../../helpers/timeout.js';

const GATED = 'Inspector error -32000: setScriptSource functionality no longer available';

/** A thread whose `setScriptSource` answers as `answer` says (an error message, or success). */
function fakeThread(answer: () => string | undefined): DebugThread & { calls: string[] } {
  const registry = new ScriptRegistry();
  let ids = 0;
  const calls: string[] = [];
  return {
    label: 'main thread',
    key: 'main',
    registry,
    calls,
    call<T>(method: string, params: object = {}): Promise<T> {
      calls.push(method);
      if (method === 'Runtime.evaluate') {
        const url = /sourceURL=(\S+)/.exec((params as { expression: string }).expression)?.[1] ?? '';
        registry.add({ scriptId: String(++ids), url } satisfies ScriptParsedParams);
        return Promise.resolve({ result: { value: 0 } } as T);
      }
      const error = answer();
      return error === undefined ? Promise.resolve({ status: 'Ok' } as T) : Promise.reject(new ProtocolError(method, error));
    },
  };
}

describe('LiveEdit behind --inspector-live-edit', { timeout: TEST_MS }, () => {
  it('sets no flag where LiveEdit answers', async () => {
    let turnedOn = 0;
    const thread = fakeThread(() => undefined);
    assert.equal(await enableLiveEdit(thread, () => turnedOn++), true);
    assert.equal(turnedOn, 0);
    assert.deepEqual(thread.calls, ['Runtime.evaluate', 'Debugger.setScriptSource']);
  });

  it('turns the flag on where V8 says it keeps setScriptSource off, once', async () => {
    let on = false;
    let turnedOn = 0;
    const thread = fakeThread(() => (on ? undefined : GATED));
    const turnOn = () => {
      turnedOn++;
      on = true;
    };
    assert.equal(await enableLiveEdit(thread, turnOn), true);
    assert.equal(turnedOn, 1);
  });

  it('refuses with a coded error when the flag does not turn it on, or the command is gone', async () => {
    for (const [answer, turns] of [
      [GATED, 1],
      ["Inspector error -32601: 'Debugger.setScriptSource' wasn't found", 0],
    ] as const) {
      let turnedOn = 0;
      await assert.rejects(enableLiveEdit(fakeThread(() => answer), () => turnedOn++), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'HOTSWAP_ERR_HOTFIX_LIVEEDIT_UNAVAILABLE');
        assert.match(error.message, new RegExp(`^LiveEdit is unavailable on Node ${process.version.replace(/\./g, '\\.')} `));
        assert.match(error.message, /nothing was changed$/);
        return true;
      });
      assert.equal(turnedOn, turns, answer);
    }
  });

  it('concludes nothing when the probe itself fails (a worker gone): the edits will tell', async () => {
    let turnedOn = 0;
    assert.equal(await enableLiveEdit(fakeThread(() => 'worker 3 has exited'), () => turnedOn++), false);
    assert.equal(turnedOn, 0);
  });

  // A real engine in a child process where V8's LiveEdit flag cannot be set (setFlagsFromString stubbed):
  // on a Node that keeps LiveEdit off by default the patch is refused with the code, nothing
  // changed; on the others it applies, and the engine asked for no flag (an unknown one makes V8
  // print "unrecognized flag").
  it('a real engine refuses the patch where LiveEdit stays off, and sets no flag where it is on', (t) => {
    const dir = makeTempDir('hotswap-live-edit-');
    t.after(dir.cleanup);
    const script = `
      import { createHash } from 'node:crypto';
      import { writeFileSync } from 'node:fs';
      import { createRequire, syncBuiltinESMExports } from 'node:module';
      import inspector from 'node:inspector';
      const require = createRequire(import.meta.url);
      const v8 = require('node:v8');
      const set = v8.setFlagsFromString;
      const flags = [];
      v8.setFlagsFromString = (flag) => (flag.includes('live-edit') ? void flags.push(flag) : set(flag));
      syncBuiltinESMExports();
      // Whether this V8 keeps setScriptSource off by default, asked before the engine does anything.
      const session = new inspector.Session();
      session.connect();
      const post = (method, params = {}) => new Promise((resolve) => session.post(method, params, (error) => resolve(error?.message)));
      let id;
      session.on('Debugger.scriptParsed', ({ params }) => { if (params.url === 'gate-probe') id = params.scriptId; });
      await post('Debugger.enable');
      await post('Runtime.evaluate', { expression: '0\\n//# sourceURL=gate-probe' });
      const gated = (await post('Debugger.setScriptSource', { scriptId: id, scriptSource: '0\\n//# sourceURL=gate-probe', dryRun: true }))?.includes('no longer available') === true;
      await post('Debugger.disable');
      session.disconnect();

      const { createHotfixEngine } = await import(${JSON.stringify(new URL('../../../src/hotfix/index.js', import.meta.url).href)});
      const file = ${JSON.stringify(join(dir.path, 'lib.cjs'))};
      const source = 'function f() { return 1; }\\nmodule.exports = { f };\\n';
      writeFileSync(file, source);
      const lib = require(file);
      const engine = createHotfixEngine({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
      const baseHash = createHash('sha256').update(source).digest('hex');
      const outcome = await engine.apply({ version: 'v1', files: [{ file, baseHash, source: source.replace('1;', '2;') }] });
      await engine.close();
      console.log(JSON.stringify({ gated, code: outcome.ok ? 'ok' : outcome.error.code, file: outcome.file, value: lib.f(), flags }));
    `;
    const child = spawnSyncBounded(process.execPath, ['--input-type=module', '-e', script], 'the engine in a child process');
    assert.equal(child.status, 0, child.stderr);
    assert.doesNotMatch(child.stderr, /unrecognized flag/);
    const seen = JSON.parse(child.stdout) as { gated: boolean };
    const expected = seen.gated
      ? { gated: true, code: 'HOTSWAP_ERR_HOTFIX_LIVEEDIT_UNAVAILABLE', value: 1, flags: ['--inspector-live-edit'] }
      : { gated: false, code: 'ok', value: 2, flags: [] };
    assert.deepEqual(seen, expected);
    // Which Node keeps it off, as docs/hotfix.md says: 26 (V8 14.6) does, 20 to 24 do not.
    const major = Number(process.versions.node.split('.')[0]);
    if (major <= 24 || major === 26) assert.equal(seen.gated, major === 26);
  });
});
