/**
 * The text of every refusal, in one place so that they read alike: what changed, and why it cannot
 * be patched in place. Lines are the new source's unless a text says otherwise.
 */
import type { Entry } from './inventory.js';

/** `function "x"`, `method "A.m"`, `getter "A.get v"`, `class "B"`. */
export function describeEntry(entry: Entry): string {
  if (entry.type === 'class') return `class "${entry.name}"`;
  const word = entry.kind === 'method' || entry.kind === 'getter' || entry.kind === 'setter' ? entry.kind : 'function';
  return `${word} "${entry.name}"`;
}

export const reasons = {
  parseFailed: (which: 'new' | 'running', message: string, line?: number): string =>
    `the ${which} source does not parse: ${message}${line === undefined ? '' : ` at line ${line}`}`,
  patchedParseFailed: (message: string): string =>
    `the patched source does not parse (${message}): the planner spliced something wrong; please report it`,
  scopeMatchesNothing: (selector: string, file: string): string => `scope "${selector}" matches no function of ${file}`,

  topLevelChanged: (line: number): string => `module top-level code changed at line ${line}`,
  topLevelRemoved: (runningLine: number): string => `module top-level code removed (line ${runningLine} of the running code)`,
  bindingAdded: (name: string, line: number): string => `module-level binding "${name}" added at line ${line}`,
  bindingRemoved: (name: string, runningLine: number): string =>
    `module-level binding "${name}" removed (line ${runningLine} of the running code)`,
  isNew: (entry: Entry): string =>
    `${describeEntry(entry)} is new: only functions that the running code has can be patched`,
  wasRemoved: (entry: Entry): string =>
    `${describeEntry(entry)} was removed: patching cannot take away a function that the running code has`,

  classField: (field: string, className: string, what: 'added' | 'removed' | 'changed'): string =>
    `class field "${field}" of ${className} ${what}`,
  heritageChanged: (className: string): string => `heritage of class ${className} changed`,
  staticBlockChanged: (className: string): string => `static block of class ${className} changed`,

  cannotMatch: (name: string, around: string): string =>
    `"${name}" cannot be told apart from its anonymous siblings: the code around it in ${around} changed, and that change is out of scope`,
  kindChanged: (name: string, from: string, to: string): string =>
    `"${name}" changes from ${from} to ${to}: LiveEdit cannot change the kind of a function that exists`,
  conciseLastToken: (name: string): string =>
    `concise arrow "${name}" changes its last token: write its body in parentheses, \`(x) => (…)\`, ` +
    'in the running code and in the patch (LiveEdit reports success but keeps the old body)',
  objectSuper: (name: string): string =>
    `"${name}" starts using super, which the running object literal was created without`,

  missingModuleBinding: (fn: string, binding: string): string =>
    `"${fn}" starts using module-level binding "${binding}", which the running code does not have`,
  missingBinding: (fn: string, binding: string, owner: string): string =>
    `"${fn}" starts using "${binding}" of "${owner}", which the running code of "${owner}" does not declare`,
  /** `binding` as `describeBinding` writes it: `"PAD"`, or \`this\` of a CommonJS module. */
  moduleCaptureAdded: (fn: string, binding: string): string =>
    `"${fn}" starts using module-level binding ${binding}, which no function of the running code uses: ` +
    'V8 did not keep it where a patched function can reach it',
  moduleCaptureRemoved: (fn: string, binding: string): string =>
    `"${fn}" stops using module-level binding ${binding}, and no other function uses it: that changes how the ` +
    'module keeps its bindings, and LiveEdit would leave the patched functions running their old code',
  captureAdded: (fn: string, binding: string, owner: string): string =>
    `"${fn}" starts using ${binding} of ${owner} from a closure, which the running code does not: closures created ` +
    'before the patch would keep running their old code',
  classCaptureAdded: (fn: string, binding: string, className: string): string =>
    `"${fn}" starts using ${binding} of class ${className}, which no method of the running class uses: ` +
    'V8 made the class without it, and the methods would keep running their old code',
  captureRemoved: (fn: string, binding: string, owner: string): string =>
    `"${fn}" stops using ${binding} of ${owner} from a closure, which changes how ${owner} keeps its variables: ` +
    'closures created before the patch would keep running their old code',
} as const;
