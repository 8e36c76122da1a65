/**
 * End to end: the slink example. The real `hotswap build --static-linking` generates the module of
 * statically linked plugins; esbuild bundles the app into one file that runs with node from a
 * directory where no node_modules is reachable; a throw in a plugin is mapped back to the plugin's
 * .ts file and line; and (Linux) a single executable application of that file runs too.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exampleSource } from '../../examples/shared/paths.js';
import { run, runHotswap } from '../../examples/shared/processes.js';
import { breakAt, bundleApp, makeSea, nonBuiltins, reachableNodeModules } from '../../examples/slink/pack.js';

const SLINK = exampleSource('slink');
const DEMO = fileURLToPath(new URL('../../examples/slink/demo.js', import.meta.url));

/** What the app prints, in order, apart from the stack trace's frames. */
const EXPECTED_LINES = [
  'slink: statically linked plugins store static, notes static',
  'store static: onLoad',
  'notes static: onLoad',
  'load: ok, generation 1: store static (new), notes static (new)',
  'notes.add("buy milk") = 1; notes.add("write the slink demo") = 2',
  'notes.list() = #1 buy milk | #2 write the slink demo',
  'live.isLiveData(notes.note(2)) = true',
  "callLive('live_formatNote') = [note 2] write the slink demo (4 words)",
  'notes.remind(1) scheduled job 1; pending jobs: 1',
  'job 1 ran live_formatNote: [note 1] buy milk (2 words)',
  'notes.fail() threw:',
  'Error: notes: thrown on purpose',
  'reload(): refused, HOTSWAP_ERR_STATIC_RELOAD',
  'notes static: onFree',
  'store static: onFree',
  'close(): done',
  'slink: OK',
];

interface App {
  /** The copy of examples/slink the app is built from. */
  readonly source: string;
  /** The bundle, alone in its own directory. */
  readonly bundle: string;
  /** The line of the copied notes plugin that throws. */
  readonly throwAt: { file: string; line: number };
}

/** Links and bundles a copy of the example, its notes plugin shifted by a few lines. */
async function linkAndBundle(t: TestContext): Promise<App> {
  const root = await mkdtemp(join(tmpdir(), 'hotswap-e2e-slink-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const source = join(root, 'slink');
  for (const part of ['main.ts', 'types.ts', 'plugins']) await cp(join(SLINK, part), join(source, part), { recursive: true });
  // Shifted, so the line a mapped stack names can only come from this file's source map.
  const notes = join(source, 'plugins', 'notes', 'index.ts');
  const text = '// shifted by the test\n'.repeat(7) + (await readFile(notes, 'utf8'));
  await writeFile(notes, text);
  const line = text.split('\n').findIndex((l) => l.includes('throw new Error(`notes: ${reason}`)')) + 1;
  assert.ok(line > 7, 'the notes plugin still throws in explode()');

  const linked = await runHotswap([
    'build',
    '--static-linking',
    join(source, 'plugins', 'store'),
    join(source, 'plugins', 'notes'),
    join(source, 'generated'),
  ]);
  assert.equal(linked.code, 0, linked.stderr);
  assert.match(linked.stdout, /^linked store \(0 live functions, 0 live types\)\nlinked notes \(1 live function, 1 live type\)\nwrote /);
  // The generated module the repository keeps (main.ts type-checks against it) is what the CLI writes.
  assert.equal(
    await readFile(join(source, 'generated', 'static-plugins.ts'), 'utf8'),
    await readFile(join(SLINK, 'generated', 'static-plugins.ts'), 'utf8'),
    'examples/slink/generated/static-plugins.ts is stale: run `npm run demo:slink` to regenerate it',
  );

  const runDir = join(root, 'run');
  await mkdir(runDir);
  const bundle = await bundleApp(join(source, 'main.ts'), join(runDir, 'app.cjs'));
  assert.deepEqual(nonBuiltins(bundle), [], 'the bundle imports nothing but Node built-ins');
  assert.ok(bundle.pluginSources.some((s) => s.endsWith('plugins/notes/index.ts')), bundle.pluginSources.join());
  assert.equal(reachableNodeModules(runDir), undefined, `a node_modules is reachable from ${runDir}`);
  return { source, bundle: bundle.file, throwAt: { file: notes, line } };
}

function isolatedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

/** The app's output lines without the stack frames. */
function lines(stdout: string): string[] {
  return stdout.trimEnd().split('\n').filter((line) => !line.startsWith('    at '));
}

test('statically linked, bundled into one file, run without node_modules; a plugin throw maps to its .ts line', async (t) => {
  const app = await linkAndBundle(t);
  const result = await run(process.execPath, ['--enable-source-maps', 'app.cjs'], dirname(app.bundle), isolatedEnv());
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.deepEqual(lines(result.stdout), EXPECTED_LINES);
  const frames = result.stdout.split('\n').filter((line) => line.startsWith('    at '));
  assert.match(frames[0] ?? '', /^ {4}at explode \(/);
  assert.ok(
    frames[0]?.includes(`${app.throwAt.file}:${app.throwAt.line}:`),
    `the top frame names ${app.throwAt.file}:${app.throwAt.line}: ${frames.join('\n')}`,
  );
});

test('a breakpoint set in the plugin\'s .ts (through the bundle\'s source map, as a debugger does) pauses there', async (t) => {
  const app = await linkAndBundle(t);
  const hit = await breakAt(app.bundle, app.throwAt.file, app.throwAt.line);
  assert.equal(hit.paused, true, JSON.stringify(hit));
  assert.equal(hit.functionName, 'explode');
  assert.equal(hit.source, app.throwAt.file);
  assert.equal(hit.line, app.throwAt.line);
});

test('a Node.js single executable application of the bundle runs the same app', { skip: process.platform !== 'linux' && 'SEA steps here are for Linux' }, async (t) => {
  const app = await linkAndBundle(t);
  const executable = await makeSea(app.bundle);
  // The executable carries the app: run it with nothing beside it.
  for (const file of ['app.cjs', 'sea-prep.blob', 'sea-config.json']) await rm(join(app.bundle, '..', file));
  const result = await run(executable, [], dirname(app.bundle), isolatedEnv());
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.deepEqual(lines(result.stdout), EXPECTED_LINES);
});

test('the demo (npm run demo:slink, without the SEA step) exits 0', async () => {
  const result = await run(process.execPath, [DEMO, '--no-sea']);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^OK: /m);
  assert.doesNotMatch(result.stdout, /NOT OK/);
});
