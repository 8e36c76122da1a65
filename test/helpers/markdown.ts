/**
 * Just enough Markdown reading for the docs checks: code fences, relative links outside code, and
 * the anchors GitHub gives headings. Not a renderer: it follows CommonMark where a broken doc would
 * otherwise go unnoticed, and is stricter than it where a renderer silently guesses.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface Fence {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly char: '`' | '~';
  readonly length: number;
}

export interface FenceProblem {
  readonly line: number;
  readonly message: string;
}

export interface MarkdownLink {
  readonly line: number;
  readonly target: string;
}

export interface MarkdownDoc {
  /** Fence problems: a fence left open, or an opening fence met inside an open block. */
  readonly fenceProblems: readonly FenceProblem[];
  /** Every link and image target outside code blocks and inline code, as written. */
  readonly links: readonly MarkdownLink[];
  /** The anchors GitHub generates for the headings, plus explicit `id`/`name` anchors. */
  readonly anchors: ReadonlySet<string>;
}

const FENCE = /^ *(`{3,}|~{3,})(.*)$/;

/**
 * Reads a Markdown text. Fences may be indented (list items); an opening fence is closed by a line
 * of the same character, at least as long, with nothing after it. A line that would open a fence
 * (same character, at least as long, with an info string) inside an open block is reported: it
 * means the block before it was not closed where the author meant, as with a stray fence.
 */
export function readMarkdown(text: string): MarkdownDoc {
  const lines = text.split(/\r?\n/);
  const fenceProblems: FenceProblem[] = [];
  // Prose lines, with code-block lines blanked so offsets still give line numbers.
  const prose: string[] = [];
  let open: Fence | undefined;
  lines.forEach((line, index) => {
    const match = FENCE.exec(line);
    const run = match?.[1];
    const info = (match?.[2] ?? '').trim();
    if (open === undefined) {
      // A backtick fence's info string has no backticks (otherwise it is inline code).
      if (run !== undefined && !(run.startsWith('`') && info.includes('`'))) {
        open = { line: index + 1, char: run[0] === '`' ? '`' : '~', length: run.length };
        prose.push('');
      } else {
        prose.push(line);
      }
      return;
    }
    prose.push('');
    if (run === undefined || run[0] !== open.char || run.length < open.length) return;
    if (info === '') {
      open = undefined;
    } else {
      fenceProblems.push({
        line: index + 1,
        message: `fence ${run}${info} inside the block opened at line ${open.line}: that block is not closed where it should be`,
      });
    }
  });
  if (open !== undefined) {
    fenceProblems.push({ line: open.line, message: `fence opened at line ${open.line} is never closed` });
  }
  const masked = maskInlineCode(prose.join('\n'));
  return { fenceProblems, links: findLinks(masked), anchors: findAnchors(prose) };
}

/** Replaces inline code spans (within a paragraph) by spaces, keeping line breaks. */
function maskInlineCode(text: string): string {
  return text
    .split(/(\n[ \t]*\n)/)
    .map((block) =>
      block.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' ')),
    )
    .join('');
}

const INLINE_LINK = /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const REFERENCE_DEFINITION = /^ {0,3}\[(?:[^\]\\]|\\.)+\]:\s*(<[^>]*>|\S+)/gm;

function findLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const pattern of [INLINE_LINK, REFERENCE_DEFINITION]) {
    for (const match of text.matchAll(pattern)) {
      const raw = match[1] ?? '';
      const target = raw.startsWith('<') ? raw.slice(1, -1) : raw;
      const line = text.slice(0, match.index).split('\n').length;
      links.push({ line, target });
    }
  }
  return links.sort((a, b) => a.line - b.line);
}

function findAnchors(prose: readonly string[]): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const add = (heading: string): void => {
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  };
  prose.forEach((line, index) => {
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx !== null) {
      add(atx[1] ?? '');
    } else {
      // Setext: a paragraph line underlined with = or - (not a list item, table or heading).
      const next = prose[index + 1];
      const previous = prose[index - 1];
      if (next !== undefined && /^ {0,3}(=+|-+)[ \t]*$/.test(next) && line.trim() !== '' &&
          !/^ {0,3}([-*+>|#]|\d+[.)])/.test(line) && (previous === undefined || previous.trim() === '')) {
        add(line);
      }
    }
    for (const match of line.matchAll(/<a\s[^>]*\b(?:id|name)=["']([^"']+)["']/gi)) {
      if (match[1] !== undefined) anchors.add(match[1]);
    }
  });
  return anchors;
}

/**
 * The anchor GitHub gives a heading: its text as rendered (inline code, emphasis and link markup
 * gone), lowercased, punctuation removed except hyphens and underscores, spaces turned to hyphens.
 */
export function githubSlug(heading: string): string {
  // Odd parts are inline code, kept as text; markup is removed from the others.
  const rendered = heading
    .split(/`+/)
    .map((part, index) => index % 2 === 1 ? part : part
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/\*/g, ''))
    .join('');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Whether a link target points into this repository (not a URL, a mail address or a bare anchor). */
export function isRelativeTarget(target: string): boolean {
  return !/^[a-z][a-z\d+.-]*:/i.test(target) && !target.startsWith('//');
}

/** Splits `path#anchor` and decodes the path's percent escapes. */
export function splitTarget(target: string): { path: string; anchor: string | undefined } {
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  return { path: decodeURIComponent(path.split('?')[0] ?? ''), anchor };
}

/** Every .md file under `root`, as /-separated paths relative to it, skipping `skip` directories. */
export function markdownFiles(root: string, skip: (relativeDir: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (!skip(rel)) walk(path);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) {
        found.push(rel);
      }
    }
  };
  walk(root);
  return found.sort();
}
