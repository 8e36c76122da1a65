/**
 * Which text of the patched script is which text of the sources it was made from. The patched
 * file text is the running text with some function texts (the edits) replaced by their new text.
 * So an offset of the patched text is either inside an edit, and then an offset of the new source,
 * or outside every edit, and then an offset of the running source. Text outside the edits is often
 * also in the new source (when every difference was in the patch's scope, all of it is): between two
 * edits, the running and the new text are matched from both ends as far as they agree, and an
 * offset there is an offset of the new source too. What is left (an out-of-scope difference the
 * patch did not apply) is only the running source's.
 */
import { patchedToRunning } from '../planner/splice.js';
import type { SourceEdit } from '../types.js';

interface Gap {
  readonly runningStart: number;
  readonly runningEnd: number;
  readonly nextStart: number;
  readonly nextEnd: number;
  /** Lengths of the text both sources share at the start and at the end of the gap. */
  readonly same: { readonly head: number; readonly tail: number };
}

export interface Correspondence {
  /** A patched offset as an offset of the new source, when that text is the new source's. */
  toNext(patched: number): number | undefined;
  /** The other way round, for positions a new-source map answers with. */
  fromNext(next: number): number | undefined;
  /** A patched offset outside every edit as an offset of the running source (inside one: unchanged). */
  toRunning(patched: number): number;
  /** A running offset as a patched one, undefined inside a replaced text. */
  fromRunning(running: number): number | undefined;
}

function shared(a: string, b: string): { head: number; tail: number } {
  const limit = Math.min(a.length, b.length);
  let head = 0;
  while (head < limit && a.charCodeAt(head) === b.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < limit - head && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { head, tail };
}

/**
 * @param running the running file text, `next` the new source, `patchedLength` the patched file
 * text's length (all without a CommonJS wrapper)
 */
export function correspondence(running: string, next: string, patchedLength: number, edits: readonly SourceEdit[]): Correspondence {
  const ordered = [...edits].sort((a, b) => a.patchedStart - b.patchedStart);
  // Gaps line up with the new source only when the edits come in the same order there.
  const inOrder = ordered.every((e, i) => i === 0 || (ordered[i - 1] as SourceEdit).nextEnd <= e.nextStart);
  const gaps: Gap[] = [];
  if (inOrder) {
    let runningStart = 0;
    let nextStart = 0;
    for (const e of [...ordered, { runningStart: running.length, nextStart: next.length, runningEnd: 0, nextEnd: 0 }]) {
      const runningEnd = e.runningStart;
      const nextEnd = e.nextStart;
      gaps.push({ runningStart, runningEnd, nextStart, nextEnd, same: shared(running.slice(runningStart, runningEnd), next.slice(nextStart, nextEnd)) });
      runningStart = e.runningEnd;
      nextStart = e.nextEnd;
    }
  }

  const toRunning = (offset: number): number => patchedToRunning(ordered, offset);
  const fromRunning = (offset: number): number | undefined => {
    let shift = 0;
    for (const e of ordered) {
      if (e.runningEnd > offset) {
        if (offset >= e.runningStart) return undefined;
        break;
      }
      shift += e.patchedEnd - e.patchedStart - (e.runningEnd - e.runningStart);
    }
    return offset + shift;
  };

  return {
    toRunning,
    fromRunning,
    toNext(offset) {
      if (offset < 0 || offset > patchedLength) return undefined;
      const edit = ordered.find((e) => offset >= e.patchedStart && offset < e.patchedEnd);
      if (edit !== undefined) return edit.nextStart + offset - edit.patchedStart;
      const r = toRunning(offset);
      const gap = gaps.find((g) => r >= g.runningStart && r <= g.runningEnd);
      if (gap === undefined) return undefined;
      if (r - gap.runningStart < gap.same.head) return gap.nextStart + r - gap.runningStart;
      if (gap.runningEnd - r <= gap.same.tail) return gap.nextEnd - (gap.runningEnd - r);
      return undefined;
    },
    fromNext(offset) {
      const edit = ordered.find((e) => offset >= e.nextStart && offset < e.nextEnd);
      if (edit !== undefined) return edit.patchedStart + offset - edit.nextStart;
      const gap = gaps.find((g) => offset >= g.nextStart && offset <= g.nextEnd);
      if (gap === undefined) return undefined;
      let r: number | undefined;
      if (offset - gap.nextStart < gap.same.head) r = gap.runningStart + offset - gap.nextStart;
      else if (gap.nextEnd - offset <= gap.same.tail) r = gap.runningEnd - (gap.nextEnd - offset);
      return r === undefined ? undefined : fromRunning(r);
    },
  };
}
