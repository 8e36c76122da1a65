/**
 * The patched source: the running source with the text of each planned function replaced by its
 * new text, and nothing else changed. Out-of-scope differences cannot leak in, because nothing of
 * the new source is taken but those function texts. Offsets of the patched source map back to the
 * running source (outside the replaced texts) or to the new source (inside them).
 */
import type { SourceEdit } from '../types.js';

export interface SpliceInput {
  readonly name: string;
  readonly runningStart: number;
  readonly runningEnd: number;
  readonly nextStart: number;
  readonly nextEnd: number;
  /** Where the new version reads as starting (a method's key), for the locations of refusals. */
  readonly nextAt: number;
}

export interface Splice extends SpliceInput {
  readonly patchedStart: number;
  readonly patchedEnd: number;
}

export interface Patched {
  readonly text: string;
  /** In source order; they never overlap. */
  readonly splices: readonly Splice[];
  /** The replaced text that contains a patched offset. */
  spliceAt(patchedOffset: number): Splice | undefined;
  /** The replaced text that contained a running offset. */
  runningSpliceAt(runningOffset: number): Splice | undefined;
  /** A patched offset outside every replaced text, as an offset of the running source. */
  toRunning(patchedOffset: number): number;
  /** A patched offset inside a replaced text, as an offset of the new source. */
  toNext(patchedOffset: number): number;
}

/**
 * A patched offset outside every replaced text, as an offset of the running source.
 * @param edits the replaced texts in source order (a plan's `edits`, or the splices)
 */
export function patchedToRunning(edits: readonly SourceEdit[], offset: number): number {
  let shift = 0;
  for (const e of edits) {
    if (e.patchedEnd > offset) break;
    shift += e.runningEnd - e.runningStart - (e.patchedEnd - e.patchedStart);
  }
  return offset + shift;
}

export function splice(running: string, next: string, inputs: readonly SpliceInput[]): Patched {
  const ordered = [...inputs].sort((a, b) => a.runningStart - b.runningStart);
  const parts: string[] = [];
  const splices: Splice[] = [];
  let cursor = 0;
  let length = 0;
  for (const input of ordered) {
    const before = running.slice(cursor, input.runningStart);
    const replacement = next.slice(input.nextStart, input.nextEnd);
    parts.push(before, replacement);
    const patchedStart = length + before.length;
    length = patchedStart + replacement.length;
    splices.push({ ...input, patchedStart, patchedEnd: length });
    cursor = input.runningEnd;
  }
  parts.push(running.slice(cursor));

  const spliceAt = (offset: number): Splice | undefined =>
    splices.find((s) => offset >= s.patchedStart && offset < s.patchedEnd);
  return {
    text: parts.join(''),
    splices,
    spliceAt,
    runningSpliceAt: (offset) => splices.find((s) => offset >= s.runningStart && offset < s.runningEnd),
    toRunning: (offset) => patchedToRunning(splices, offset),
    toNext: (offset) => {
      const s = spliceAt(offset);
      return s === undefined ? -1 : s.nextStart + offset - s.patchedStart;
    },
  };
}
