import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import * as api from '../../src/index.js';

describe('error catalogue', () => {
  it('documents every error code in docs/errors.md', async () => {
    const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const missing = api.errorCodes.filter((code) => !doc.includes(`| \`${code}\` |`));
    assert.deepEqual(missing, []);
  });

  it('has one exported error class per code, each carrying its code', () => {
    const classes = Object.values(api).filter(
      (value): value is typeof api.HotswapError => typeof value === 'function' && value.prototype instanceof api.HotswapError,
    );
    const codes = new Set<string>();
    for (const ErrorClass of classes) {
      const source = ErrorClass.toString();
      const match = /'(HOTSWAP_ERR_[A-Z_]+)'/.exec(source);
      assert.ok(match, `${ErrorClass.name} names no code`);
      codes.add(match[1] ?? '');
    }
    assert.deepEqual([...codes].sort(), [...api.errorCodes].sort());
  });

  it('keeps the cause and names the plugin', () => {
    const cause = new Error('disk on fire');
    const error = new api.HookFailedError('chat', 'onLoad', cause);
    assert.equal(error.code, 'HOTSWAP_ERR_HOOK_FAILED');
    assert.equal(error.plugin, 'chat');
    assert.equal(error.cause, cause);
    assert.equal(error.name, 'HookFailedError');
    assert.match(error.message, /onLoad\(\) of plugin "chat" failed: disk on fire/);
    assert.ok(error instanceof api.HotswapError && error instanceof Error);
  });
});
