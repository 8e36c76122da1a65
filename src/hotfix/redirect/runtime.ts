/**
 * The redirection runtime of one thread: what instrumented modules register as they start (their
 * slots and an evaluator in their scope, and one per top-level class), kept under a global symbol so
 * that every copy of hotswap in the thread (the loader's, the app's) finds the same one.
 *
 * A module registers with the hash of its file as the loader read it; its text is kept, since a
 * patch is planned against the code as it was loaded, and by the time a patch comes the file on
 * disk has usually changed (that is what the patch is made from). A loader in the same thread hands
 * the text over; otherwise (ES modules on Node 20, whose loader has a thread of its own) the file
 * is read back and checked against the hash.
 */
import { readFileSync } from 'node:fs';
import { sha256 } from '../source.js';
import { GLOBAL_KEY } from './names.js';
import type { SourceType } from '../planner/parse.js';

export type Evaluate = (text: string) => unknown;

export interface RedirectModule {
  /** The module's absolute path. */
  readonly path: string;
  readonly sourceType: SourceType;
  /** Slots that instrumented functions forward to when filled; index = the table's slot. */
  readonly slots: unknown[];
  /** Compiles a text in the module's scope. */
  readonly evaluate: Evaluate;
  /** Compiles a text in the scope of each top-level class, by index, once the class is defined. */
  readonly classes: Array<Evaluate | undefined>;
  /** The file's text as loaded (TypeScript for a .ts file), or undefined with `problem` saying why. */
  readonly loaded: string | undefined;
  readonly problem: string | undefined;
  /** State the engine keeps with the module (the code as patched so far): see ./state.ts. */
  state: unknown;
}

export interface RedirectRuntime {
  register(path: string, hash: string, sourceType: SourceType, slotCount: number, evaluate: Evaluate): unknown[];
  registerClass(path: string, index: number, evaluate: Evaluate): void;
  find(path: string): RedirectModule | undefined;
  readonly modules: ReadonlyMap<string, RedirectModule>;
  /** Told of every module that registers (the thread agent announces it to the other threads). */
  onRegister: ((path: string) => void) | undefined;
  /**
   * The text a loader in this thread instrumented, and its hash: the module takes it when it
   * registers, instead of reading its file back.
   */
  handOver(path: string, text: string, hash: string): void;
}

function readBack(path: string, hash: string): { loaded: string | undefined; problem: string | undefined } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { loaded: undefined, problem: `its file cannot be read back (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  // The loader hashed the text it instrumented: the file's, with or without its byte order mark
  // (depending on who read it); the table's offsets are those of that text.
  if (sha256(text) !== hash && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (sha256(text) !== hash) {
    return { loaded: undefined, problem: 'its file on disk is not the code that was loaded (changed while loading, or transformed by another loader): restart to patch it' };
  }
  return { loaded: text, problem: undefined };
}

function createRuntime(): RedirectRuntime {
  const modules = new Map<string, RedirectModule>();
  const handedOver = new Map<string, { readonly text: string; readonly hash: string }>();
  const loadedText = (path: string, hash: string): { loaded: string | undefined; problem: string | undefined } => {
    const handed = handedOver.get(path);
    handedOver.delete(path);
    return handed !== undefined && handed.hash === hash ? { loaded: handed.text, problem: undefined } : readBack(path, hash);
  };
  const runtime: RedirectRuntime = {
    modules,
    onRegister: undefined,
    handOver(path, text, hash) {
      handedOver.set(path, { text, hash });
    },
    register(path, hash, sourceType, slotCount, evaluate) {
      // Filled by push, so V8 keeps the array packed: a stub's load then needs no hole check.
      const slots: unknown[] = [];
      for (let i = 0; i < slotCount; i++) slots.push(undefined);
      // A module loaded again under the same path (a cleared require cache) replaces the record:
      // patches reach the newest instance.
      modules.set(path, { path, sourceType, slots, evaluate, classes: [], ...loadedText(path, hash), state: undefined });
      runtime.onRegister?.(path);
      return slots;
    },
    registerClass(path, index, evaluate) {
      const module = modules.get(path);
      if (module !== undefined) module.classes[index] = evaluate;
    },
    find(path) {
      return modules.get(path);
    },
  };
  return runtime;
}

/** This thread's runtime, created on first use. */
export function redirectRuntime(): RedirectRuntime {
  const holder = globalThis as unknown as Record<symbol, RedirectRuntime | undefined>;
  const key = Symbol.for(GLOBAL_KEY);
  return (holder[key] ??= createRuntime());
}

/** This thread's runtime if the loader installed one, without creating it. */
export function installedRuntime(): RedirectRuntime | undefined {
  return (globalThis as unknown as Record<symbol, RedirectRuntime | undefined>)[Symbol.for(GLOBAL_KEY)];
}
