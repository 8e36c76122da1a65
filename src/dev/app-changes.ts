/**
 * A batch of saved files of the app itself (outside the plugin directories): each checked to parse,
 * then all patched in place as one patch (all or nothing) against exactly what the app runs; when
 * the planner refuses, the reason and its place are what the restart (or, with --no-restart, the
 * refusal) reports.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { transform } from 'esbuild';
import type { ControlClient } from '../control/client.js';
import type { LoadedModule } from '../hotfix/redirect/loaded-modules.js';
import { isTypeScriptPath } from '../hotfix/redirect/state.js';
import { sha256 } from '../hotfix/source.js';
import type { DevEvent } from './reporter.js';

/** What to do with a batch: patched or not needed (done), a restart with its reason, or nothing until the user fixes a file. */
export type BatchResult = (
  | { readonly kind: 'done'; readonly events: readonly DevEvent[] }
  | { readonly kind: 'restart'; readonly reason: string; readonly events: readonly DevEvent[] }
) & {
  /** sha256 of each file's text as this batch read it (a later save is told apart by it). */
  readonly read: ReadonlyMap<string, string>;
};

/** The planner's refusal of a patch in which no function differs from the running code. */
const NOTHING_TO_APPLY = 'no function in scope differs from the running code';

/** How long `hotswap dev` waits for a patch or a reload in the app: long enough for any, on a dev app's heap. */
export const APP_CALL_TIMEOUT_MS = 10 * 60 * 1000;

interface Outcome {
  readonly ok: boolean;
  readonly functions?: readonly { file: string; name: string }[];
  readonly error?: { readonly code?: string; readonly message: string; readonly reasons?: readonly string[]; readonly file?: string };
  readonly file?: string;
}

/** esbuild's first error as `file:line:column: text`, or undefined when the source parses (as the loader would transform it). */
export async function syntaxError(file: string, source: string, root: string): Promise<string | undefined> {
  // As the loader transforms it: a .tsx file is TypeScript with JSX.
  const loader = file.endsWith('.tsx') ? 'tsx' : isTypeScriptPath(file) ? 'ts' : 'js';
  try {
    await transform(source, { loader, sourcefile: relative(root, file), logLevel: 'silent' });
    return undefined;
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
    if (first === undefined) return String(error);
    const at = first.location === null || first.location === undefined ? relative(root, file) : `${first.location.file}:${first.location.line}:${first.location.column + 1}`;
    return `${at}: ${first.text}`;
  }
}

/** The planner's first reason as `file:line: text` (a reason reads `name (line L:C): text`). */
function refusalReason(outcome: Outcome, root: string): string {
  const error = outcome.error;
  const file = outcome.file ?? error?.file;
  const where = file === undefined ? '' : relative(root, file);
  const reason = error?.reasons?.[0];
  if (reason !== undefined) {
    const match = /\(line (\d+):\d+\): (.*)$/.exec(reason);
    if (match !== null) return `${where}:${match[1] ?? '?'}: ${match[2] ?? reason}`;
    return `${where}: ${reason}`;
  }
  return `${where === '' ? '' : `${where}: `}${error?.code ?? '?'}: ${error?.message ?? 'refused'}`;
}

export async function applyBatch(control: ControlClient, files: readonly string[], savedAt: number, version: string, root: string): Promise<BatchResult> {
  const loaded = new Map(((await control.call('hotfix.modules')) as LoadedModule[]).map((m) => [m.file, m.baseHash]));
  const events: DevEvent[] = [];
  const read = new Map<string, string>();
  const notLoaded = files.filter((file) => !loaded.has(file));
  if (notLoaded.length > 0) events.push({ event: 'ignored', files: notLoaded.map((f) => relative(root, f)), why: 'not loaded by the app: nothing to patch' });
  const patchFiles: { file: string; baseHash: string; source: string }[] = [];
  for (const file of files.filter((f) => loaded.has(f))) {
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch {
      continue; // Deleted or moved meanwhile: the next save says what it is.
    }
    read.set(file, sha256(source));
    const baseHash = loaded.get(file) as string;
    // A JavaScript file saved as it runs: nothing to do. (A TypeScript file's base is the source it
    // was loaded from: saved back to it after a patch, it must be patched back.)
    if (!isTypeScriptPath(file) && sha256(source) === baseHash) continue;
    const problem = await syntaxError(file, source, root);
    if (problem !== undefined) return { kind: 'done', read, events: [...events, { event: 'syntax-error', file: relative(root, file), message: problem }] };
    patchFiles.push({ file, baseHash, source });
  }
  if (patchFiles.length === 0) return { kind: 'done', read, events };
  const started = performance.now();
  const outcome = (await control.call('hotfix.apply', { patch: { version, files: patchFiles } }, APP_CALL_TIMEOUT_MS)) as Outcome;
  const applyMs = performance.now() - started;
  if (outcome.ok) {
    const functions = (outcome.functions ?? []).map((f) => f.name);
    events.push({ event: 'patched', files: patchFiles.map((f) => relative(root, f.file)), functions, applyMs, saveToLiveMs: performance.now() - savedAt });
    return { kind: 'done', read, events };
  }
  // A save that changes no function (a comment, a type): the code that runs is already the new code.
  if (outcome.error?.reasons?.length === 1 && outcome.error.reasons[0]?.startsWith(NOTHING_TO_APPLY)) {
    events.push({ event: 'ignored', files: patchFiles.map((f) => relative(root, f.file)), why: 'no function changed: nothing to patch' });
    return { kind: 'done', read, events };
  }
  return { kind: 'restart', reason: refusalReason(outcome, root), read, events };
}
