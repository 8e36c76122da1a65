/**
 * What the engine did to each script, kept across debugger sessions.
 *
 * LiveEdit moves the functions it replaces out of a script into a copy of the old script, with a new
 * id, never reported while the debugger is on. A copy that something still references (a function
 * LiveEdit left behind: a silent failure, or on Node 20 a class with fields whose methods changed)
 * stays alive, and the next `Debugger.enable` reports it like any script, with the module's URL and
 * its old source (measured on Node 20 and 24). Such copies are not the module: they must not be
 * patched, nor count as current code when verifying. The engine brackets its edits with two marker
 * scripts (a `Runtime.evaluate` whose id V8 reports) and takes every id in between as one of its
 * copies. On a worker, a script the worker compiled in that window would be taken as a copy too.
 *
 * It also keeps every source the engine replaced in a script, so that a function left on an old
 * copy is checked again when a later patch changes its own code (see verify.ts).
 */
export class ScriptLedger {
  private readonly ranges = new Map<string, Array<readonly [number, number]>>();
  private readonly sources = new Map<string, string[]>();

  /** Ids strictly between `after` and `before` were made by the engine's edits in that thread. */
  addRange(threadKey: string, after: number, before: number): void {
    if (!(before > after + 1)) return;
    const list = this.ranges.get(threadKey);
    if (list === undefined) this.ranges.set(threadKey, [[after, before]]);
    else list.push([after, before]);
  }

  isEngineMade(threadKey: string, scriptId: string): boolean {
    const id = Number(scriptId);
    return this.ranges.get(threadKey)?.some(([after, before]) => id > after && id < before) === true;
  }

  /** Records a source the engine replaced in a script. */
  addReplaced(threadKey: string, scriptId: string, source: string): void {
    const key = `${threadKey} ${scriptId}`;
    const list = this.sources.get(key);
    if (list === undefined) this.sources.set(key, [source]);
    else if (!list.includes(source)) list.push(source);
  }

  /** Every source the engine replaced in a script, oldest first. */
  replaced(threadKey: string, scriptId: string): readonly string[] {
    return this.sources.get(`${threadKey} ${scriptId}`) ?? [];
  }
}
