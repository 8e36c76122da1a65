import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureRuntimeDir, runtimeDirPath } from '../../../src/discovery/runtime-dir.js';
import { RuntimeDirUnsafeError } from '../../../src/errors.js';
import { makeTempDir } from '../../helpers/build-fixture.js';

const posix = process.platform !== 'win32';

test('the runtime dir is HOTSWAP_RUNTIME_DIR, else $XDG_RUNTIME_DIR/hotswap, else the temp dir plus the uid', () => {
  assert.equal(runtimeDirPath({ HOTSWAP_RUNTIME_DIR: '/a/b', XDG_RUNTIME_DIR: '/run/user/1' }), '/a/b');
  assert.equal(runtimeDirPath({ XDG_RUNTIME_DIR: '/run/user/1' }), join('/run/user/1', 'hotswap'));
  const uid = typeof process.getuid === 'function' ? `hotswap-${process.getuid()}` : 'hotswap';
  assert.equal(runtimeDirPath({}), join(tmpdir(), uid));
});

test('ensureRuntimeDir creates the directory 0700 and tightens one that is too open', { skip: !posix && 'no POSIX modes' }, (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = join(tmp.path, 'runtime');
  assert.equal(ensureRuntimeDir({ HOTSWAP_RUNTIME_DIR: dir }), dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  chmodSync(dir, 0o777);
  ensureRuntimeDir({ HOTSWAP_RUNTIME_DIR: dir });
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

test('ensureRuntimeDir refuses a directory of another user, and a file', { skip: !posix && 'no owners' }, (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const file = join(tmp.path, 'file');
  writeFileSync(file, '');
  assert.throws(() => ensureRuntimeDir({ HOTSWAP_RUNTIME_DIR: file }), RuntimeDirUnsafeError);
  // Only root can give a directory away; the tests run as root in CI.
  if (process.getuid?.() !== 0) return;
  const foreign = join(tmp.path, 'foreign');
  mkdirSync(foreign, { mode: 0o700 });
  chownSync(foreign, 4242, 4242);
  assert.throws(() => ensureRuntimeDir({ HOTSWAP_RUNTIME_DIR: foreign }), (error: unknown) => {
    assert.ok(error instanceof RuntimeDirUnsafeError);
    assert.match(error.message, /belongs to uid 4242, not to this user \(uid 0\)/);
    return true;
  });
});
