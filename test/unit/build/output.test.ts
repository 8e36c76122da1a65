import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { manifestFileName, parseManifest } from '../../../src/artifact/manifest.js';
import { ARTIFACTS_KEPT, buildPlugins } from '../../../src/build/index.js';
import { makeTempDir, sha256OfFile, writePlugin } from '../../helpers/build-fixture.js';

const pluginVersion = (n: number): string =>
  `import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({ functions: { n: () => ${n} } });\n`;

const artifactsOf = (outDir: string, name: string): string[] =>
  readdirSync(outDir).filter((f) => new RegExp(`^${name}\\.[0-9a-f]{12}\\.js$`).test(f));

test(`rebuilds keep the current artifact and the newest others, ${ARTIFACTS_KEPT} in all`, async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const outDir = join(tmp.path, 'out');
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(0) });
  // Files a careless prune pattern would match: another plugin's artifact, a non-hex name, a map.
  const bystanders = ['p-other.0123456789ab.js', 'p.not-hex-name.js', 'p.0123456789ab.js.map'];
  await buildPlugins({ pluginDirs: [dir], outDir });
  for (const file of bystanders) writeFileSync(join(outDir, file), '');

  const artifacts: string[] = [];
  for (let n = 1; n <= 5; n++) {
    writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(n) });
    const [result] = await buildPlugins({ pluginDirs: [dir], outDir });
    assert.ok(result);
    artifacts.push(result.manifest.artifact);
    // After every build the manifest names an artifact that exists and matches its hash.
    const manifest = parseManifest(await readFile(result.manifestPath, 'utf8'), result.manifestPath);
    assert.equal(sha256OfFile(join(outDir, manifest.artifact)), manifest.sha256);
  }
  assert.equal(new Set(artifacts).size, 5, 'each version has its own content-addressed file');
  assert.deepEqual(artifactsOf(outDir, 'p').sort(), artifacts.slice(-ARTIFACTS_KEPT).sort());
  for (const file of bystanders) assert.ok(readdirSync(outDir).includes(file), `${file} was left alone`);
  assert.deepEqual(readdirSync(outDir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');
});

test('rebuilding the same source reuses the artifact and keeps it when pruning', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const outDir = join(tmp.path, 'out');
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(0) });
  const [first] = await buildPlugins({ pluginDirs: [dir], outDir });
  for (let n = 1; n <= ARTIFACTS_KEPT; n++) {
    writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(n) });
    await buildPlugins({ pluginDirs: [dir], outDir });
  }
  // Back to version 0: its artifact was pruned, so it is written again and must survive the prune.
  writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(0) });
  const [again] = await buildPlugins({ pluginDirs: [dir], outDir });
  assert.ok(again);
  assert.equal(again.manifest.artifact, first?.manifest.artifact);
  assert.ok(artifactsOf(outDir, 'p').includes(again.manifest.artifact));
  const [same] = await buildPlugins({ pluginDirs: [dir], outDir });
  assert.equal(same?.manifest.sha256, again.manifest.sha256);
  assert.equal(artifactsOf(outDir, 'p').length, ARTIFACTS_KEPT);
});

test('a reader polling during rebuilds always finds the artifact its manifest names', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const outDir = join(tmp.path, 'out');
  const dir = writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(0) });
  await buildPlugins({ pluginDirs: [dir], outDir });
  const manifestPath = join(outDir, manifestFileName('p'));

  let building = true;
  const reader = (async () => {
    const seen = new Set<string>();
    while (building) {
      // parseManifest throws on a half-written manifest; readFile throws if the artifact is missing.
      const manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath);
      const bytes = await readFile(join(outDir, manifest.artifact));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
      seen.add(manifest.sha256);
      await nextTurn();
    }
    return seen;
  })();

  try {
    for (let n = 1; n <= 8; n++) {
      writePlugin(tmp.path, 'p', { 'index.ts': pluginVersion(n) });
      await buildPlugins({ pluginDirs: [dir], outDir });
    }
  } finally {
    building = false;
  }
  const seen = await reader;
  assert.ok(seen.size > 1, 'the reader saw the manifest change while it polled');
});
