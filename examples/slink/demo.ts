/**
 * The slink demo: `npm run demo:slink`.
 *
 * 1. links the plugins statically with the real CLI:
 *    `hotswap build --static-linking examples/slink/plugins/store examples/slink/plugins/notes examples/slink/generated`;
 * 2. bundles the app (main.ts, the generated module, the plugins, hotswap) into ONE file with
 *    esbuild, into a temp directory from which no node_modules is reachable;
 * 3. runs that file with `node --enable-source-maps`: the lifecycle, plugin functions, a live
 *    function and a live job all work, and the stack of a throw in a plugin names the plugin's .ts
 *    file and line (what a debugger's breakpoints rely on too);
 * 4. makes a Node.js single executable application of the same file (SEA blob + a copy of node +
 *    postject) and runs it (Linux; skipped elsewhere, or with --no-sea).
 *
 *   node dist/examples/slink/demo.js [--no-sea]
 *   node dist/examples/slink/demo.js --bundle-only    link and bundle into examples/slink/build/app.cjs, for debugging
 *
 * Exits 0 only if every check held; removes the temp directory in every path.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exampleSource, shown } from '../shared/paths.js';
import { Checks, deadline, hotswap, run, runDemo } from '../shared/processes.js';
import { breakAt, bundleApp, makeSea, nonBuiltins, reachableNodeModules } from './pack.js';

const SLINK = exampleSource('slink');
const PLUGIN_DIRS = ['store', 'notes'].map((name) => join(SLINK, 'plugins', name));
const THROWING_FILE = join(SLINK, 'plugins', 'notes', 'index.ts');

const say = (line: string): void => console.log(line);
/** --bundle-only: no checks to report. */
let bundleOnly = false;

/** The 1-based line of notes' `throw`, which a mapped stack trace must name. */
async function throwLine(file = THROWING_FILE): Promise<number> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const index = lines.findIndex((line) => line.includes('throw new Error(`notes: ${reason}`)'));
  if (index < 0) throw new Error(`${file} has no throw to look for: was the example changed?`);
  return index + 1;
}

/** Runs the static-linking build with the real CLI into `<slink>/generated`. */
async function link(): Promise<void> {
  await hotswap(['build', '--static-linking', ...PLUGIN_DIRS.map(shown), shown(join(SLINK, 'generated'))], say);
}

/** An environment without NODE_PATH (which would make a node_modules reachable from anywhere). */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

function indent(text: string): void {
  for (const line of text.trimEnd().split('\n')) say(`  | ${line}`);
}

async function main(): Promise<boolean> {
  const { values } = parseArgs({ options: { 'no-sea': { type: 'boolean' }, 'bundle-only': { type: 'boolean' } } });
  if (values['bundle-only'] === true) {
    bundleOnly = true;
    await link();
    const outfile = join(SLINK, 'build', 'app.cjs');
    say(`bundling ${shown(join(SLINK, 'main.ts'))} with esbuild`);
    const bundle = await bundleApp(join(SLINK, 'main.ts'), outfile);
    say(`  wrote ${shown(outfile)} (${(bundle.bytes / 1024).toFixed(0)} kB, inline source map)`);
    say(`debug it:   node --enable-source-maps --inspect-brk ${shown(outfile)}`);
    say(`            then chrome://inspect (or VS Code "Attach"), open plugins/notes/index.ts, set a breakpoint, resume`);
    return true;
  }
  const sea = values['no-sea'] !== true && process.platform === 'linux';
  const checks = new Checks(say);
  const work = await mkdtemp(join(tmpdir(), 'hotswap-slink-'));
  const cancel = deadline(55_000, () => void rm(work, { recursive: true, force: true }));
  try {
    say('1. link the plugins statically (generated/static-plugins.ts imports them):');
    await link();
    const generated = await readFile(join(SLINK, 'generated', 'static-plugins.ts'), 'utf8');
    checks.check(
      generated.includes("import notes from '../plugins/notes/index.js'") && generated.includes('live_formatNote: notes__live_formatNote'),
      'static-plugins.ts imports the plugins and their live functions and types',
    );

    say('');
    say('2. bundle the whole app into one file with esbuild (hotswap and hotswap/plugin aliased to dist/src):');
    const bundle = await bundleApp(join(SLINK, 'main.ts'), join(work, 'app.cjs'));
    say(`  ${shown(bundle.file)}: ${(bundle.bytes / 1024).toFixed(0)} kB with its inline source map; plugin sources in it:`);
    for (const source of bundle.pluginSources) say(`    ${source}`);
    say(`  imports left: ${bundle.externals.join(', ')}`);
    checks.check(nonBuiltins(bundle).length === 0, 'the bundle imports nothing but Node built-ins');
    const reachable = reachableNodeModules(work);
    checks.check(reachable === undefined, `no node_modules is reachable from ${work}${reachable === undefined ? '' : ` (found ${reachable})`}`);

    say('');
    say(`3. run it there: (cd ${work} && node --enable-source-maps app.cjs)`);
    const ran = await run(process.execPath, ['--enable-source-maps', 'app.cjs'], work, isolatedEnv());
    indent(ran.stdout);
    checks.check(ran.code === 0 && ran.stdout.includes('slink: OK'), 'the single file ran the whole lifecycle (exit 0)');
    const line = await throwLine();
    checks.check(
      ran.stdout.includes(`${THROWING_FILE}:${line}:`),
      `the stack of the throw names ${shown(THROWING_FILE)}, line ${line}: source maps reach the plugin's .ts`,
    );

    say('');
    say(`3b. debug it: node --inspect-brk app.cjs, with a breakpoint on ${shown(THROWING_FILE)}:${line}`);
    say('    (set through the inspector protocol on the bundle line the source map gives, as DevTools and VS Code do):');
    const hit = await breakAt(bundle.file, THROWING_FILE, line);
    say(`  paused in ${hit.functionName ?? '?'} at app.cjs:${hit.generatedLine ?? '?'} = ${hit.source === undefined ? '?' : shown(hit.source)}:${hit.line ?? '?'}`);
    checks.check(
      hit.paused && hit.functionName === 'explode' && hit.source === THROWING_FILE && hit.line === line,
      'the breakpoint set in the plugin\'s .ts paused the bundled app there',
    );

    if (sea) {
      say('');
      say('4. a single executable application of the same file:');
      const executable = await makeSea(bundle.file, say);
      // The executable carries the app: nothing else is needed beside it.
      say('$ rm app.cjs sea-prep.blob sea-config.json');
      for (const file of ['app.cjs', 'sea-prep.blob', 'sea-config.json']) await rm(join(work, file));
      say(`$ ./${shown(executable).split('/').pop() ?? ''}`);
      const binary = await run(executable, [], work, isolatedEnv());
      indent(binary.stdout);
      checks.check(binary.code === 0 && binary.stdout.includes('slink: OK'), 'the executable ran the whole lifecycle (exit 0)');
    } else {
      say('');
      say(`4. single executable application: skipped (${process.platform === 'linux' ? '--no-sea' : `this demo makes one on Linux only, not ${process.platform}`})`);
    }
    return checks.ok;
  } finally {
    cancel();
    await rm(work, { recursive: true, force: true });
  }
}

runDemo(main, bundleOnly ? undefined : 'statically linked, bundled into one file, run without node_modules.');
