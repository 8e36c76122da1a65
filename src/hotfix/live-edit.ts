/**
 * Whether this process's V8 takes `Debugger.setScriptSource`, turning it on where it is off.
 *
 * Node 26 (V8 14.6) ships LiveEdit behind V8's `--inspector-live-edit`, off by default: without it
 * every `setScriptSource` answers "setScriptSource functionality no longer available". The flag only
 * gates that inspector command, V8 reads it at each command, and V8 flags are process-wide: turned
 * on once from any thread, it serves the engine's thread and every worker, for the life of the
 * process (it is never turned off again: an edit of another engine or a worker may need it).
 *
 * It is turned on only where V8 says it gates the command. Setting a flag V8 does not know is not
 * silent (Node 20 to 24 print "Error: unrecognized flag" on stderr), so it is not set blindly; V8
 * offers no way to read a flag. The test is a dry run of an edit that changes nothing, on a script
 * of the engine's own: V8 compares the sources first and answers at once (no compilation, no heap
 * walk), and checks the flag before that.
 */
import { setFlagsFromString } from 'node:v8';
import { HotfixLiveEditUnavailableError, describe } from '../errors.js';
import type { DebugThread } from './threads.js';

const PROBE_URL = 'hotswap-hotfix-probe';
const PROBE_SOURCE = `0\n//# sourceURL=${PROBE_URL}`;
/** V8's answer while `--inspector-live-edit` is off. */
const GATED = 'setScriptSource functionality no longer available';
/** A protocol without the command at all (a future V8): "'Debugger.setScriptSource' wasn't found". */
const MISSING = /wasn't found|-32601/;

export type LiveEditProbe =
  | { readonly kind: 'available' }
  | { readonly kind: 'gated' | 'missing'; readonly answer: string }
  /** The probe itself could not run (a worker gone): nothing is concluded. */
  | { readonly kind: 'unknown'; readonly answer: string };

/** A no-op dry-run edit of a script made for it, on a thread whose debugger is enabled. */
export async function probeLiveEdit(thread: DebugThread): Promise<LiveEditProbe> {
  try {
    await thread.call('Runtime.evaluate', { expression: PROBE_SOURCE, silent: true });
    const scriptId = thread.registry.idOf(PROBE_URL);
    if (scriptId === undefined) return { kind: 'unknown', answer: `the ${thread.label} did not report the probe script` };
    await thread.call('Debugger.setScriptSource', { scriptId, scriptSource: PROBE_SOURCE, dryRun: true });
    return { kind: 'available' };
  } catch (error) {
    const answer = describe(error);
    if (answer.includes(GATED)) return { kind: 'gated', answer };
    if (MISSING.test(answer)) return { kind: 'missing', answer };
    return { kind: 'unknown', answer };
  }
}

/**
 * Makes sure LiveEdit answers, turning V8's flag on if needed (`turnOn`, replaceable for tests).
 * Resolves whether it is known to answer now (false: the probe could not tell, the edits will).
 * @throws HotfixLiveEditUnavailableError when this Node's V8 has no LiveEdit, or keeps it off
 */
export async function enableLiveEdit(thread: DebugThread, turnOn: () => void): Promise<boolean> {
  const first = await probeLiveEdit(thread);
  if (first.kind === 'available') return true;
  if (first.kind === 'unknown') return false;
  if (first.kind === 'missing') throw new HotfixLiveEditUnavailableError(`the inspector has no Debugger.setScriptSource (${first.answer})`);
  turnOn();
  const second = await probeLiveEdit(thread);
  if (second.kind === 'gated' || second.kind === 'missing') {
    throw new HotfixLiveEditUnavailableError(`V8 still answers "${second.answer}" with --inspector-live-edit set`);
  }
  return second.kind === 'available';
}

/** Known for the whole process once seen: V8 flags are process-wide and this one stays on. */
let available = false;

/**
 * Before the first `setScriptSource` of a transaction: makes sure LiveEdit answers in this process.
 * Resolves the refusal when it cannot, for every file of the patch at once.
 */
export async function ensureLiveEdit(thread: DebugThread): Promise<HotfixLiveEditUnavailableError | undefined> {
  if (available) return undefined;
  try {
    available = await enableLiveEdit(thread, () => setFlagsFromString('--inspector-live-edit'));
    return undefined;
  } catch (error) {
    if (error instanceof HotfixLiveEditUnavailableError) return error;
    throw error;
  }
}
