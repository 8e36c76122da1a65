/**
 * `hotswap hotfix build --version <label> --out <patch.json> --base-dir <dir> [--root <dir>] [--scope <selector>]... [--init <file>] [--no-source-map] <file>...`
 *
 * Each changed file is named in the patch by its path relative to `--root` (default: the current
 * directory), so a patch built in one checkout applies to a process running from another: the
 * engine resolves those paths against its own `root`. The running source is read from the same
 * relative path under `--base-dir` (a copy of what runs), the new source from the path itself.
 * A new source that names its source map in a separate file (`//# sourceMappingURL=app.js.map`)
 * takes the map along in the patch.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Option, type Command } from 'commander';
import { InputUnreadableError, InvalidArgumentError } from '../errors.js';
import type { PatchSourcePair } from '../hotfix/artifact/build-patch.js';
import { requireDirectory } from '../inputs.js';
import { registerHotfixRemoteCommands } from './hotfix-remote.js';
import { collect } from './repeatable.js';

interface HotfixBuildOptions {
  version: string;
  out: string;
  baseDir: string;
  root: string;
  scope: string[];
  init?: string;
  sourceMap: boolean;
  /** The alias --no-sourcemap (the plugin build's spelling). */
  sourcemap: boolean;
  sign?: string;
}

/** Each changed file's path relative to `root` (`/`-separated: patches travel between systems) and where to read both sources. */
export function patchSourcePairs(files: readonly string[], root: string, baseDir: string): PatchSourcePair[] {
  return files.map((file) => {
    const absolute = resolve(file);
    const fromRoot = relative(root, absolute);
    if (fromRoot === '' || fromRoot.startsWith(`..${sep}`) || fromRoot === '..' || isAbsolute(fromRoot)) {
      throw new InvalidArgumentError('--root', `${file} is not inside ${root}: give --root a directory that contains every changed file`);
    }
    return { file: fromRoot.split(sep).join('/'), runningPath: join(baseDir, fromRoot), newPath: absolute };
  });
}

export function registerHotfixCommand(program: Command): void {
  const hotfix = program.command('hotfix').description('function-level patches of a running process');
  registerHotfixRemoteCommands(hotfix);
  hotfix
    .command('build')
    .description('make a patch artifact from changed sources')
    .argument('<files...>', 'changed files of the new code (under --root)')
    .requiredOption('--version <label>', '(required) version label of the patch')
    .requiredOption('--out <file>', '(required) where to write the patch (JSON)')
    .requiredOption('--base-dir <dir>', '(required) a copy of the code that runs now, in the same layout as --root')
    .option('--root <dir>', 'the directory the app runs from: files are named relative to it in the patch (default: the current directory)')
    .option('--scope <selector>', 'what the patch may change (repeatable): dir/, file#fn, file#Class, file#Class.method', collect, [])
    .option('--init <file>', 'a file holding a function run once when the patch is applied')
    .option('--no-source-map', 'leave out the source maps the new files name (stack traces in patched functions then show JavaScript lines)')
    .addOption(new Option('--no-sourcemap', 'alias of --no-source-map').hideHelp())
    .option('--sign <keyFile>', 'sign the patch with this ed25519 private key (hotswap keygen); engines with trustedKeys refuse unsigned patches')
    .action(async (files: string[], options: HotfixBuildOptions) => {
      const root = resolve(options.root ?? '.');
      const baseDir = resolve(options.baseDir);
      requireDirectory('--root', root, 'give the directory the app runs from');
      requireDirectory('--base-dir', baseDir, 'give a copy of the code that runs now (e.g. the release being patched)');
      requireDirectory('the directory of --out', dirname(resolve(options.out)), 'create it first');
      // Loaded here: the planner's parser is not needed by the other commands.
      const { buildPatch } = await import('../hotfix/artifact/build-patch.js');
      // The key is read before the build: a wrong key file fails at once.
      const signingKey = options.sign === undefined ? undefined : (await import('../signing/keys.js')).readSigningKey(options.sign);
      const built = await buildPatch({
        version: options.version,
        files: patchSourcePairs(files, root, baseDir),
        scope: options.scope,
        initPath: options.init,
        sourceMaps: options.sourceMap && options.sourcemap,
      });
      const patch = signingKey === undefined ? built : (await import('../signing/signature.js')).signDocument(built, signingKey);
      try {
        await writeFile(options.out, JSON.stringify(patch, null, 2) + '\n');
      } catch (error) {
        throw new InputUnreadableError('--out', options.out, `cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
      }
      process.stdout.write(`patch ${patch.version}: ${patch.files.length} file(s)${signingKey === undefined ? '' : ', signed'} -> ${options.out}\n`);
    });
}
