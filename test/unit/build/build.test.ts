import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactFileName } from '../../../src/artifact/format.js';
import { MANIFEST_FORMAT, manifestFileName, parseManifest } from '../../../src/artifact/manifest.js';
import { buildPlugins } from '../../../src/build/index.js';
import { BuildFailedError } from '../../../src/errors.js';
import { isPluginDefinition } from '../../../src/plugin/index.js';
import { HOTSWAP_VERSION } from '../../../src/version.js';
import { evaluateArtifact, makeTempDir, sha256OfFile, writePlugin } from '../../helpers/build-fixture.js';

const GREETER = `import { definePlugin } from 'hotswap/plugin';
export default definePlugin({ functions: { greet: (name: string): string => \`hello \${name}\` } });
`;

interface LoadedPlugin {
  functions: Record<string, (...args: unknown[]) => unknown>;
}

function loadDefault(artifactPath: string): LoadedPlugin {
  const exported = evaluateArtifact(artifactPath).default;
  assert.ok(isPluginDefinition(exported), 'the default export is a definePlugin() definition');
  return exported as unknown as LoadedPlugin;
}

test('a build writes a manifest naming an artifact whose sha256 matches its bytes', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'greeter', { 'index.ts': GREETER });
  const outDir = join(tmp.path, 'out');

  const [result, ...rest] = await buildPlugins({ pluginDirs: [dir], outDir });
  assert.equal(rest.length, 0);
  assert.ok(result);
  const { manifest } = result;

  const artifactPath = join(outDir, manifest.artifact);
  assert.equal(result.artifactPath, artifactPath);
  assert.equal(result.manifestPath, join(outDir, manifestFileName('greeter')));
  assert.equal(sha256OfFile(artifactPath), manifest.sha256);
  assert.equal(result.bytes, readFileSync(artifactPath).length);
  assert.equal(manifest.artifact, artifactFileName('greeter', manifest.sha256));
  assert.equal(manifest.format, MANIFEST_FORMAT);
  assert.equal(manifest.name, 'greeter');
  assert.equal(manifest.version, manifest.sha256.slice(0, 12), 'default version label is the sha256 prefix');
  assert.equal(new Date(manifest.builtAt).toISOString(), manifest.builtAt);
  assert.equal(manifest.hotswapVersion, HOTSWAP_VERSION);
  assert.equal(manifest.nodeVersion, process.version);
  assert.equal(manifest.bundleDeps, false);
  assert.equal(manifest.sourcemap, true);
  assert.deepEqual(manifest.externals, []);

  // What is on disk is what was returned, and the runtime's parser accepts it.
  const onDisk = readFileSync(result.manifestPath, 'utf8');
  assert.ok(onDisk.endsWith('}\n'));
  assert.deepEqual(parseManifest(onDisk, result.manifestPath), manifest);

  // hotswap/plugin was bundled: nothing asks the host for it, and the artifact runs without it.
  const text = readFileSync(artifactPath, 'utf8');
  assert.doesNotMatch(text, /require\(["']hotswap/);
  assert.equal(loadDefault(artifactPath).functions.greet?.('you'), 'hello you');
});

test('an explicit version label is written; without a source map there is no map comment', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'greeter', { 'index.ts': GREETER });
  const outDir = join(tmp.path, 'out');

  const [withMap] = await buildPlugins({ pluginDirs: [dir], outDir, version: '2.0.0-rc.1' });
  assert.equal(withMap?.manifest.version, '2.0.0-rc.1');
  assert.match(readFileSync(withMap.artifactPath, 'utf8'), /sourceMappingURL=data:application\/json;base64,/);

  const [noMap] = await buildPlugins({ pluginDirs: [dir], outDir, version: '2.0.0', sourcemap: false });
  assert.equal(noMap?.manifest.version, '2.0.0');
  assert.equal(noMap.manifest.sourcemap, false);
  assert.doesNotMatch(readFileSync(noMap.artifactPath, 'utf8'), /sourceMappingURL/);
  assert.notEqual(noMap.manifest.sha256, withMap.manifest.sha256);
});

test('modules in sub-folders are bundled, with and without .js extensions in imports', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const dir = writePlugin(tmp.path, 'calc', {
    'index.ts': `import { definePlugin } from 'hotswap/plugin';
import { add } from './lib/math';
import { shout } from './lib/deep/format.js';
export default definePlugin({ functions: { run: () => shout(String(add(2, 3))) } });
`,
    'lib/math.ts': 'export const add = (a: number, b: number): number => a + b;\n',
    'lib/deep/format.ts': "export function shout(text: string): string { return text + '!'; }\n",
  });
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') });
  assert.ok(result);
  assert.equal(loadDefault(result.artifactPath).functions.run?.(), '5!');
});

test('the root module is looked for as index.ts first, then .mts, .tsx, .js, .mjs', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const plugin = (which: string): string =>
    `import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({ functions: { which: () => '${which}' } });\n`;
  const both = writePlugin(tmp.path, 'both', { 'index.js': plugin('js'), 'index.ts': plugin('ts') });
  const mjsOnly = writePlugin(tmp.path, 'mjs-only', { 'index.mjs': plugin('mjs') });

  const results = await buildPlugins({ pluginDirs: [both, mjsOnly], outDir: join(tmp.path, 'out') });
  assert.deepEqual(
    results.map((r) => [r.manifest.name, loadDefault(r.artifactPath).functions.which?.()]),
    [
      ['both', 'ts'],
      ['mjs-only', 'mjs'],
    ],
  );
});

/** A temp tree with node_modules/fake-dep@1.2.3 and node_modules/@scope/pkg@4.5.6 at its root. */
function withFakePackages(root: string): void {
  const pkg = (dir: string, json: object, files: Record<string, string>): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify(json));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  };
  pkg(join(root, 'node_modules', 'fake-dep'), { name: 'fake-dep', version: '1.2.3', main: 'index.js' }, {
    'index.js': "module.exports = { marker: () => 'FAKE_DEP_MARKER' };\n",
  });
  pkg(join(root, 'node_modules', '@scope', 'pkg'), { name: '@scope/pkg', version: '4.5.6' }, {
    'sub.js': 'module.exports = { sub: 1 };\n',
  });
}

test('external packages stay require() calls and are recorded with the version they resolve to', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  withFakePackages(tmp.path);
  // The plugin sits two levels below node_modules: resolution walks up like Node's.
  const dir = writePlugin(join(tmp.path, 'plugins'), 'deps', {
    'index.ts': `import { definePlugin } from 'hotswap/plugin';
import { marker } from 'fake-dep';
import { sub } from '@scope/pkg/sub';
import { missing } from 'not-installed';
import { join } from 'node:path';
import { readFileSync } from 'fs';
export default definePlugin({ functions: { all: () => [marker(), sub, missing, join, readFileSync] } });
`,
  });
  const [result] = await buildPlugins({ pluginDirs: [dir], outDir: join(tmp.path, 'out') });
  assert.ok(result);
  assert.deepEqual(result.manifest.externals, [
    { name: '@scope/pkg', version: '4.5.6' },
    { name: 'fake-dep', version: '1.2.3' },
    { name: 'not-installed', version: null },
  ]);
  const text = readFileSync(result.artifactPath, 'utf8');
  assert.match(text, /require\("fake-dep"\)/);
  assert.match(text, /require\("@scope\/pkg\/sub"\)/);
  assert.doesNotMatch(text, /FAKE_DEP_MARKER/);
});

test('with bundleDeps the dependency is inlined and nothing is external', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  withFakePackages(tmp.path);
  const dir = writePlugin(join(tmp.path, 'plugins'), 'deps', {
    'index.ts': `import { definePlugin } from 'hotswap/plugin';
import { marker } from 'fake-dep';
import { basename } from 'node:path';
export default definePlugin({ functions: { marker: () => marker() + basename('/a/b') } });
`,
  });
  const outDir = join(tmp.path, 'out');
  const [external] = await buildPlugins({ pluginDirs: [dir], outDir });
  assert.deepEqual(external?.manifest.externals, [{ name: 'fake-dep', version: '1.2.3' }]);

  const [bundled] = await buildPlugins({ pluginDirs: [dir], outDir, bundleDeps: true });
  assert.ok(bundled);
  assert.equal(bundled.manifest.bundleDeps, true);
  assert.deepEqual(bundled.manifest.externals, []);
  const text = readFileSync(bundled.artifactPath, 'utf8');
  assert.doesNotMatch(text, /require\("fake-dep"\)/);
  assert.match(text, /FAKE_DEP_MARKER/);
  assert.match(text, /require\("node:path"\)/, 'node builtins stay external');
  assert.equal(loadDefault(bundled.artifactPath).functions.marker?.(), 'FAKE_DEP_MARKERb');
});

test('a TypeScript syntax error fails with file:line:col and writes nothing', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const good = writePlugin(tmp.path, 'good', { 'index.ts': GREETER });
  const bad = writePlugin(tmp.path, 'bad', {
    'index.ts': "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin({});\nconst x = ;\n",
  });
  const outDir = join(tmp.path, 'out');

  const error = await buildPlugins({ pluginDirs: [good, bad], outDir }).then(
    () => assert.fail('the build should fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof BuildFailedError);
  assert.equal(error.code, 'HOTSWAP_ERR_BUILD_FAILED');
  assert.equal(error.plugin, 'bad');
  const [message] = error.messages;
  assert.ok(message);
  assert.ok(message.file?.endsWith(join('bad', 'index.ts')), `file is ${message.file}`);
  assert.equal(message.line, 3);
  assert.equal(message.column, 11, '1-based column of the unexpected ";"');
  assert.match(error.message, /bad[\\/]index\.ts:3:11: /);

  // The good plugin compiled, but a failed build leaves the output directory as it was.
  assert.ok(!existsSync(outDir) || readdirSync(outDir).length === 0);
});
