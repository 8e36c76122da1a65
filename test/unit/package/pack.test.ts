/**
 * What `npm pack` would publish: everything the shipped files refer to is shipped too (source maps'
 * sources, the Markdown files' relative links, package.json's entry points), the license is there,
 * and nothing of the tests or benchmarks is. Run after `npm run build`: the listing follows dist/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { isRelativeTarget, readMarkdown, splitTarget } from '../../helpers/markdown.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The files `npm pack` lists, as /-separated paths relative to the package root. */
function packedFiles(): Set<string> {
  // Under `npm test`, npm_execpath is the npm that runs the suite; otherwise the one on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli !== undefined && /\.[cm]?js$/.test(npmCli)
    ? [process.execPath, [npmCli]]
    : ['npm', []];
  const stdout = execFileSync(command, [...prefix, 'pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: command === 'npm' && process.platform === 'win32',
  });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  assert.ok(pack !== undefined, 'npm pack --json printed no package');
  return new Set(pack.files.map((file) => file.path.replaceAll('\\', '/')));
}

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Whether `path` is a packed file, or a directory holding one. */
function packed(files: ReadonlySet<string>, path: string): boolean {
  const clean = posix.normalize(path).replace(/\/$/, '');
  return files.has(clean) || [...files].some((file) => file.startsWith(clean + '/'));
}

/** Every string naming a file in an `exports` value (conditions nest; null excludes a path). */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(exportTargets);
  return [];
}

describe('the packed package', () => {
  let files: Set<string>;
  before(() => {
    files = packedFiles();
  });

  it('has its license, readme and package.json', () => {
    for (const name of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(name), `${name} is not packed`);
    assert.match(read('LICENSE'), /^MIT License/);
    assert.equal((JSON.parse(read('package.json')) as { license: string }).license, 'MIT');
  });

  it('ships every file its entry points name (exports, bin, types, main)', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, unknown>;
    const bin = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values((pkg.bin ?? {}) as Record<string, string>);
    const named = [...exportTargets(pkg.exports), ...bin, pkg.types, pkg.typings, pkg.main, pkg.module]
      .filter((path): path is string => typeof path === 'string');
    assert.ok(named.length >= 10, `expected the six entry points and the bin, got ${named.join(', ')}`);
    const missing = named.filter((path) => !files.has(posix.normalize(path)));
    assert.deepEqual(missing, []);
  });

  it('ships the sources every source map names', () => {
    const maps = [...files].filter((path) => path.endsWith('.js.map'));
    assert.ok(maps.length > 0, 'no source maps packed');
    const missing = maps.flatMap((map) => {
      const { sources, sourceRoot } = JSON.parse(read(map)) as { sources: string[]; sourceRoot?: string };
      return sources
        .map((source) => posix.join(posix.dirname(map), sourceRoot ?? '', source))
        .filter((source) => !files.has(source))
        .map((source) => `${map} -> ${source}`);
    });
    assert.deepEqual(missing, []);
  });

  it('ships what the relative links of its Markdown files point at', () => {
    const docs = [...files].filter((path) => path.toLowerCase().endsWith('.md'));
    assert.ok(docs.includes('docs/api.md'), 'docs/ is not packed');
    const broken = docs.flatMap((doc) =>
      readMarkdown(read(doc)).links
        .filter((link) => isRelativeTarget(link.target))
        .filter((link) => {
          const { path } = splitTarget(link.target);
          return path !== '' && !packed(files, path.startsWith('/') ? path.slice(1) : posix.join(posix.dirname(doc), path));
        })
        .map((link) => `${doc}:${link.line}: ${link.target}`),
    );
    assert.deepEqual(broken, []);
  });

  it('ships no tests, fixtures or benchmarks', () => {
    const unwanted = [...files].filter((path) =>
      /(^|\/)(test|tests|__tests__|fixtures|bench|benchmarks?)\//.test(path) || /\.(test|spec|bench)\.[cm]?[jt]sx?(\.map)?$/.test(path));
    assert.deepEqual(unwanted, []);
  });
});
