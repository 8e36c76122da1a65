/**
 * Everything decided before anything is touched: for each file of a patch, the scripts that run it
 * in every thread, the base check against the source as on disk, and the planner's plan.
 */
import {
  HotfixBaseMismatchError,
  HotfixInvalidError,
  HotfixRefusedError,
  HotfixScriptNotFoundError,
  describe,
  isHotswapError,
} from '../errors.js';
import { makeChange, type Change, type StoredChange } from './change.js';
import { failure, refusalReasons } from './failure.js';
import type { SourceType } from './function-texts.js';
import type { ScriptLedger } from './ledger.js';
import { patchFilePaths } from './registry.js';
import { rewrap, sha256, splitRunningSource } from './source.js';
import { typeScriptSource } from './typescript-source.js';
import { newSourceMap, resolvedSourceMap } from './source-map/patch-map.js';
import type { RetargetInput } from './source-map/retarget.js';
import type { DebugThread } from './threads.js';
import type { AppliedFunction, FilePlan, HotfixBackend, HotfixFailure, Patch, ScopeSelector } from './types.js';

/** The planner's entry point (src/hotfix/planner). */
export type PlanFile = (input: {
  file: string;
  runningSource: string;
  newSource: string;
  sourceType: SourceType;
  scope?: readonly ScopeSelector[];
  /** @default 'liveedit' */
  backend?: HotfixBackend;
}) => FilePlan;

export interface Prepared {
  readonly ok: true;
  readonly changes: readonly Change[];
  readonly stored: readonly StoredChange[];
  readonly functions: readonly AppliedFunction[];
  /** Normalised paths of the files changed, to tell which later patches touch the same file. */
  readonly paths: readonly string[];
  /** How to point each thread's source maps at the patched scripts, once applied. */
  readonly sourceMaps: readonly ThreadRetarget[];
}

/** A source map retargeting (source-map/retarget.ts) for one script of one thread. */
export interface ThreadRetarget {
  readonly threadKey: string;
  readonly input: RetargetInput;
}

export type PrepareFailure = HotfixFailure;

export async function prepare(
  patch: Patch,
  threads: readonly DebugThread[],
  planFile: PlanFile,
  root: string,
  ledger: ScriptLedger,
): Promise<Prepared | PrepareFailure> {
  const changes: Change[] = [];
  const stored: StoredChange[] = [];
  const functions: AppliedFunction[] = [];
  const paths: string[] = [];
  const sourceMaps: ThreadRetarget[] = [];
  for (const patchFile of patch.files) {
    const candidates = patchFilePaths(patchFile.file, root);
    const targets = threads.flatMap((thread) => thread.registry.find(candidates).map((script) => ({ thread, script })));
    const first = targets[0];
    if (first === undefined) return failure(new HotfixScriptNotFoundError(patchFile.file), patchFile.file);
    paths.push(first.script.path ?? candidates[0] ?? patchFile.file);
    const plans = new Map<SourceType, FilePlan>();
    for (const { thread, script } of targets) {
      const { scriptSource } = await thread.call<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: script.scriptId });
      const running = splitRunningSource(scriptSource, script.isModule, patchFile.baseHash);
      const ts = await typeScriptSource(running.body, script.path ?? patchFile.file, patchFile.source);
      if (ts.kind === 'other-transform') {
        return failure(
          new HotfixRefusedError(patchFile.file, [
            `it runs code made by esbuild ${ts.esbuild}, this engine would transform the patch with esbuild ${ts.ours}: the two would not line up`,
          ]),
          patchFile.file,
        );
      }
      // A .ts file run through hotswap's loader: the base is the .ts source the running code was made from.
      const actual = ts.kind === 'typescript' ? ts.sourceHash : sha256(running.body);
      const newSource = ts.kind === 'typescript' ? ts.newJavaScript : patchFile.source;
      if (actual !== patchFile.baseHash.toLowerCase()) {
        return failure(new HotfixBaseMismatchError(`${patchFile.file} (${thread.label}, ${script.url})`, patchFile.baseHash, actual), patchFile.file);
      }
      const sourceType: SourceType = script.isModule ? 'module' : 'script';
      let plan = plans.get(sourceType);
      if (plan === undefined) {
        try {
          plan = planFile({
            file: script.path ?? patchFile.file,
            runningSource: running.body,
            newSource,
            sourceType,
            ...(patch.scope === undefined ? {} : { scope: patch.scope }),
          });
        } catch (error) {
          // A malformed scope selector is the planner's HotfixInvalidError: passed on as it is.
          if (isHotswapError(error)) return failure(error, patchFile.file);
          return failure(new HotfixRefusedError(patchFile.file, [`the planner failed: ${describe(error)}`]), patchFile.file);
        }
        if (plan.refusals.length > 0 || plan.patchedSource === undefined) {
          const list = plan.refusals.length > 0 ? refusalReasons(plan.refusals) : ['the planner produced no source'];
          return failure(new HotfixRefusedError(patchFile.file, list), patchFile.file, plan.refusals[0]?.name);
        }
        plans.set(sourceType, plan);
        if (plans.size === 1) for (const fn of plan.functions) functions.push({ file: patchFile.file, name: fn.name, backend: 'liveedit' });
      }
      if (plan.patchedSource === undefined || plan.patchedSource === running.body) continue;
      const record: StoredChange = {
        threadKey: thread.key,
        threadLabel: thread.label,
        scriptId: script.scriptId,
        file: patchFile.file,
        from: scriptSource,
        to: rewrap(running, plan.patchedSource),
        sourceType,
        prefix: running.prefix.length,
        suffix: running.suffix.length,
      };
      try {
        changes.push(makeChange(thread, record, ledger.replaced(thread.key, script.scriptId)));
      } catch (error) {
        return failure(new HotfixRefusedError(patchFile.file, [`its functions cannot be listed to verify the edit: ${describe(error)}`]), patchFile.file);
      }
      stored.push(record);
      let map: ReturnType<typeof newSourceMap>;
      try {
        map = newSourceMap(newSource, ts.kind === 'typescript' ? undefined : patchFile.sourceMap);
      } catch (error) {
        return failure(new HotfixInvalidError(`${patchFile.file}: its source map cannot be read: ${describe(error)}`), patchFile.file);
      }
      // The URL V8 names (with any query string): what Node keys its map cache with.
      const file = script.url === '' ? (script.path ?? patchFile.file) : script.url;
      sourceMaps.push({
        threadKey: thread.key,
        input: {
          file,
          running: scriptSource,
          patched: record.to,
          prefix: running.prefix.length,
          suffix: running.suffix.length,
          edits: plan.edits,
          next: newSource,
          nextMap: map === undefined ? undefined : resolvedSourceMap(map, file, running.body),
        },
      });
    }
  }
  if (changes.length === 0) {
    const file = patch.files[0]?.file ?? '?';
    return failure(new HotfixRefusedError(file, ['no function in scope differs from the running code: nothing to apply']), file);
  }
  return { ok: true, changes, stored, functions, paths, sourceMaps };
}
