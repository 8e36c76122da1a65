/**
 * Every Markdown file of the repository renders as written: its code fences are balanced, and its
 * relative links (outside code) reach a file or directory that exists and, for a #anchor into a
 * Markdown file, a heading of that file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { githubSlug, isRelativeTarget, markdownFiles, readMarkdown, splitTarget, type MarkdownDoc } from '../../helpers/markdown.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Installed, built, generated or tool directories: not the repository's own docs. */
function skipped(dir: string): boolean {
  const name = dir.slice(dir.lastIndexOf('/') + 1);
  return name === 'node_modules' || name === 'dist' || name.startsWith('.') || /^examples\/[^/]+\/build$/.test(dir);
}

const FILES = markdownFiles(ROOT, skipped);
const docs = new Map<string, MarkdownDoc>();
function doc(file: string): MarkdownDoc {
  let read = docs.get(file);
  if (read === undefined) {
    read = readMarkdown(readFileSync(join(ROOT, file), 'utf8'));
    docs.set(file, read);
  }
  return read;
}

/** What is wrong with one link of `file`, or undefined if it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  if (!isRelativeTarget(target)) return undefined;
  const { path, anchor } = splitTarget(target);
  const resolved = path === '' ? join(ROOT, file) : path.startsWith('/') ? join(ROOT, path) : resolve(ROOT, dirname(file), path);
  const inRepo = relative(ROOT, resolved).split(sep).join('/');
  if (inRepo.startsWith('..')) return 'points outside the repository';
  if (!existsSync(resolved)) return `${inRepo} does not exist`;
  if (anchor === undefined || anchor === '' || !statSync(resolved).isFile() || !inRepo.toLowerCase().endsWith('.md')) return undefined;
  return doc(inRepo).anchors.has(anchor) ? undefined : `${inRepo} has no heading with the anchor #${anchor}`;
}

describe('Markdown files', () => {
  it('are found: README.md, docs/ and the examples', () => {
    for (const expected of ['README.md', 'docs/api.md', 'docs/guide.md', 'examples/hello/README.md']) {
      assert.ok(FILES.includes(expected), `${expected} not among ${FILES.join(', ')}`);
    }
  });

  it('have balanced code fences', () => {
    const problems = FILES.flatMap((file) => doc(file).fenceProblems.map((p) => `${file}:${p.line}: ${p.message}`));
    assert.deepEqual(problems, []);
  });

  it('have relative links that resolve (files, directories, headings)', () => {
    const problems = FILES.flatMap((file) =>
      doc(file).links.flatMap((link) => {
        const problem = brokenLink(file, link.target);
        return problem === undefined ? [] : [`${file}:${link.line}: (${link.target}) ${problem}`];
      }),
    );
    assert.deepEqual(problems, []);
  });
});

describe('the Markdown reader the checks rely on', () => {
  it('reports a stray fence that swallows the text up to the next block', () => {
    const text = ['# T', '```ts', 'a', '```', 'prose', '```', '', 'more prose', '```ts', 'b', '```', ''].join('\n');
    assert.deepEqual(readMarkdown(text).fenceProblems.map((p) => p.line), [9]);
  });

  it('reports a fence left open, and accepts longer and tilde fences around shorter ones', () => {
    assert.deepEqual(readMarkdown('```sh\nls\n').fenceProblems.map((p) => p.line), [1]);
    assert.deepEqual(readMarkdown('````md\n```ts\nx\n```\n````\n~~~\n```\n~~~\n').fenceProblems, []);
    assert.deepEqual(readMarkdown('  1. step\n\n     ```sh\n     ls\n     ```\n').fenceProblems, []);
  });

  it('finds links outside code only, across line breaks, with titles and anchors', () => {
    const text = [
      'See [the\nguide](docs/guide.md#memory "title") and `[not](a-link.md)`.',
      '```md',
      '[not either](x.md)',
      '```',
      '![image](img/a.png) [site](https://example.org) [ref]: <docs/api.md>',
      '[def]: docs/errors.md',
    ].join('\n');
    assert.deepEqual(readMarkdown(text).links, [
      { line: 1, target: 'docs/guide.md#memory' },
      { line: 6, target: 'img/a.png' },
      { line: 6, target: 'https://example.org' },
      { line: 7, target: 'docs/errors.md' },
    ]);
  });

  it('gives headings GitHub anchors, numbering duplicates', () => {
    assert.equal(githubSlug('`hotswap/plugin`'), 'hotswapplugin');
    assert.equal(githubSlug('Quick start (five minutes)'), 'quick-start-five-minutes');
    assert.equal(githubSlug('`load(data?): Promise<ReloadOutcome>` / `reload()`'), 'loaddata-promisereloadoutcome--reload');
    assert.equal(githubSlug('What [links](x.md) *say*: snake_case'), 'what-links-say-snake_case');
    const anchors = readMarkdown('# Memory\n\n## Memory\n\nSetext\n------\n\n```\n# not a heading\n```\n').anchors;
    assert.deepEqual([...anchors].sort(), ['memory', 'memory-1', 'setext']);
  });
});
