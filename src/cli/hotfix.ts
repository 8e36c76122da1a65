/**
 * `hotswap hotfix build --version <label> --out <patch.json> --base-dir <dir> [--scope <selector>]... [--init <file>] [--no-source-map] <file>...`
 *
 * Each changed file is given as the path the process loaded it from; by default the running
 * source is read from `--base-dir` (a copy of what runs) and the new source from the path itself.
 * A new source that names its source map in a separate file (`//# sourceMappingURL=app.js.map`)
 * takes the map along in the patch.
 */
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildPatch, type PatchSourcePair } from '../hotfix/artifact/build-patch.js';

interface HotfixBuildOptions {
  version: string;
  out: string;
  baseDir: string;
  scope: string[];
  init?: string;
  sourceMap: boolean;
}

export function registerHotfixCommand(program: Command): void {
  const hotfix = program.command('hotfix').description('function-level patches of a running process');
  hotfix
    .command('build')
    .description('make a patch artifact from changed sources')
    .argument('<files...>', 'changed files, as the running process loaded them (relative to the current directory)')
    .requiredOption('--version <label>', 'version label of the patch')
    .requiredOption('--out <file>', 'where to write the patch (JSON)')
    .requiredOption('--base-dir <dir>', 'a copy of the code that runs now (the same layout as the current directory)')
    .option('--scope <selector>', 'what the patch may change (repeatable): dir/, file#fn, file#Class, file#Class.method', collect, [])
    .option('--init <file>', 'a file holding a function run once when the patch is applied')
    .option('--no-source-map', 'leave out the source maps the new files name (stack traces in patched functions then show JavaScript lines)')
    .action(async (files: string[], options: HotfixBuildOptions) => {
      const pairs: PatchSourcePair[] = files.map((file) => ({
        file: resolve(file),
        runningPath: join(resolve(options.baseDir), relative(process.cwd(), resolve(file))),
        newPath: resolve(file),
      }));
      const patch = await buildPatch({ version: options.version, files: pairs, scope: options.scope, initPath: options.init, sourceMaps: options.sourceMap });
      await writeFile(options.out, JSON.stringify(patch, null, 2) + '\n');
      process.stdout.write(`patch ${patch.version}: ${patch.files.length} file(s) -> ${options.out}\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
