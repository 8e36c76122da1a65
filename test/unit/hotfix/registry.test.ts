/** Matching a patch file to the scripts V8 reports, and the running source against the file on disk. */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { patchFilePaths, ScriptRegistry, scriptPath } from '../../../src/hotfix/registry.js';
import { rewrap, sha256, splitRunningSource } from '../../../src/hotfix/source.js';
import { threadIdOfTitle } from '../../../src/hotfix/threads.js';
import { makeTempDir } from '../../helpers/build-fixture.js';

describe('script registry', () => {
  it('reads the file of a script URL: file: URLs (query and hash dropped) and absolute paths', () => {
    // Only paths are computed: nothing is created on disk.
    const file = resolve('scripts', 'a b.mjs');
    assert.equal(scriptPath(pathToFileURL(file).href), file);
    assert.equal(scriptPath(`${pathToFileURL(file).href}?v=2#x`), file);
    assert.equal(scriptPath(file), file);
    assert.equal(scriptPath('node:internal/modules/cjs/loader'), undefined);
    assert.equal(scriptPath(''), undefined);
    assert.equal(scriptPath('evalmachine.<anonymous>'), undefined);
  });

  it('finds every copy of a file, whatever the query it was imported with', () => {
    const registry = new ScriptRegistry();
    const file = resolve('scripts', 'm.mjs');
    registry.add({ scriptId: '1', url: pathToFileURL(file).href, isModule: true });
    registry.add({ scriptId: '2', url: `${pathToFileURL(file).href}?v=2`, isModule: true });
    registry.add({ scriptId: '3', url: 'node:fs' });
    assert.deepEqual(registry.find([file]).map((s) => [s.scriptId, s.isModule]), [['1', true], ['2', true]]);
    assert.ok(registry.has('3'));
    registry.clear();
    assert.equal(registry.size, 0);
  });

  it('resolves a patch file: relative to the root, from a file: URL, and through a symbolic link', () => {
    const dir = makeTempDir();
    try {
      mkdirSync(join(dir.path, 'real'));
      writeFileSync(join(dir.path, 'real', 'x.cjs'), '');
      symlinkSync(join(dir.path, 'real'), join(dir.path, 'link'));
      assert.deepEqual(patchFilePaths('real/x.cjs', dir.path), [join(dir.path, 'real', 'x.cjs')]);
      assert.deepEqual(patchFilePaths(pathToFileURL(join(dir.path, 'real', 'x.cjs')).href, '/'), [join(dir.path, 'real', 'x.cjs')]);
      assert.deepEqual(patchFilePaths(join(dir.path, 'link', 'x.cjs'), '/'), [join(dir.path, 'link', 'x.cjs'), join(dir.path, 'real', 'x.cjs')]);
    } finally {
      dir.cleanup();
    }
  });

  it("reads a worker's threadId from its inspector title (Node 20 and 24 forms)", () => {
    assert.equal(threadIdOfTitle('[worker 3]'), '3');
    assert.equal(threadIdOfTitle('[worker 12] WorkerThread'), '12');
    assert.equal(threadIdOfTitle('worker'), undefined);
  });
});

describe('running source', () => {
  const file = "'use strict';\nmodule.exports = 1;\n";
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${file}\n});`;

  it('is the file itself for ES modules and for CommonJS on Node 20.19+ and 24', () => {
    const running = splitRunningSource(file, false, sha256(file));
    assert.deepEqual([running.body, running.prefix, running.suffix], [file, '', '']);
    assert.equal(rewrap(running, 'x'), 'x');
  });

  it('is unwrapped when Node compiled the CommonJS wrapper into the script, and wrapped again', () => {
    const running = splitRunningSource(wrapped, false, sha256(file));
    assert.equal(running.body, file);
    assert.equal(sha256(running.body), sha256(file));
    assert.equal(rewrap(running, file), wrapped);
  });

  it('is left alone for an ES module, or when nothing matches (the caller reports the mismatch)', () => {
    assert.equal(splitRunningSource(wrapped, true, sha256(file)).body, wrapped);
    assert.equal(splitRunningSource(file, false, sha256('other')).body, file);
  });
});
