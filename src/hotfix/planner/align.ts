/**
 * Aligns two sequences (top-level statements, anonymous functions) the way a diff does: equal items
 * in order are anchors, and between two anchors, runs of the same length are paired one to one as
 * changed items. Whatever is left is added or removed.
 */

export interface Aligned {
  /** Index in the running sequence, undefined when added. */
  readonly running: number | undefined;
  /** Index in the new sequence, undefined when removed. */
  readonly next: number | undefined;
  /** Both present and equal. */
  readonly same: boolean;
}

/** Above this many cells the middle is not diffed (a bundle's thousands of statements): prefix and suffix only. */
const MAX_CELLS = 4_000_000;

export function align(running: readonly string[], next: readonly string[]): Aligned[] {
  let head = 0;
  while (head < running.length && head < next.length && running[head] === next[head]) head += 1;
  let tail = 0;
  while (
    tail < running.length - head &&
    tail < next.length - head &&
    running[running.length - 1 - tail] === next[next.length - 1 - tail]
  ) {
    tail += 1;
  }

  const result: Aligned[] = [];
  for (let i = 0; i < head; i += 1) result.push({ running: i, next: i, same: true });
  const anchors = commonSubsequence(running.slice(head, running.length - tail), next.slice(head, next.length - tail));
  let i = head;
  let j = head;
  for (const [a, b] of [...anchors.map(([a, b]): [number, number] => [a + head, b + head]), [running.length - tail, next.length - tail] as [number, number]]) {
    pairGap(result, i, a, j, b);
    if (a < running.length - tail) result.push({ running: a, next: b, same: true });
    i = a + 1;
    j = b + 1;
  }
  for (let k = 0; k < tail; k += 1) {
    result.push({ running: running.length - tail + k, next: next.length - tail + k, same: true });
  }
  return result;
}

/** Between two anchors: runs of equal length are changed items, otherwise removed then added. */
function pairGap(result: Aligned[], fromRunning: number, toRunning: number, fromNext: number, toNext: number): void {
  if (toRunning - fromRunning === toNext - fromNext) {
    for (let k = 0; k < toRunning - fromRunning; k += 1) result.push({ running: fromRunning + k, next: fromNext + k, same: false });
    return;
  }
  for (let k = fromRunning; k < toRunning; k += 1) result.push({ running: k, next: undefined, same: false });
  for (let k = fromNext; k < toNext; k += 1) result.push({ running: undefined, next: k, same: false });
}

/** Index pairs of a longest common subsequence (classic dynamic programming; inputs are small). */
function commonSubsequence(a: readonly string[], b: readonly string[]): [number, number][] {
  if (a.length === 0 || b.length === 0 || (a.length + 1) * (b.length + 1) > MAX_CELLS) return [];
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i += 1;
      j += 1;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      i += 1;
    } else {
      j += 1;
    }
  }
  return pairs;
}
