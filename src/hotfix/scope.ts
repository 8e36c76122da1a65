/**
 * The debugger is on only while an apply or revert runs: `Debugger.enable` replays every parsed
 * script (12–80 ms) and, while on, code that awaits a lot runs about 7× slower; after
 * `Debugger.disable` the patches stay applied. A scope enables it on the engine's thread and on
 * every worker, and `close()` turns all of it off again, whatever happened in between.
 */
import { HotfixWorkerError, describe } from '../errors.js';
import type { Logger } from '../logger.js';
import { announceDebugger } from './diagnostics.js';
import type { ScriptLedger } from './ledger.js';
import { WorkerThread, type DebugThread, type OwnThread, type WorkerHub } from './threads.js';

function announce(thread: DebugThread, enabled: boolean): void {
  announceDebugger(thread.label, enabled);
}

async function enable(thread: DebugThread, ledger: ScriptLedger): Promise<void> {
  if (thread instanceof WorkerThread) await thread.identify();
  thread.registry.clear();
  thread.registry.setExcluded((scriptId) => ledger.isEngineMade(thread.key, scriptId));
  await thread.call('Debugger.enable');
  announce(thread, true);
  // A `debugger;` statement or a break on exception must not pause a thread while we are attached.
  await thread.call('Debugger.setSkipAllPauses', { skip: true });
}

export class DebuggerScope {
  private constructor(
    private readonly own: OwnThread,
    private readonly hub: WorkerHub | undefined,
    readonly workers: readonly WorkerThread[],
    private readonly logger: Logger,
  ) {}

  /** The key of the engine's own thread. */
  get ownKey(): string {
    return this.own.key;
  }

  /** The engine's thread first, then the workers. */
  get threads(): DebugThread[] {
    return [this.own, ...this.workers.filter((worker) => !worker.detached)];
  }

  /**
   * Enables the debugger everywhere. A worker that exits meanwhile is left out (it runs nothing
   * any more); one that does not answer fails the operation, since it may run a patched file.
   */
  static async open(own: OwnThread, hub: WorkerHub | undefined, ledger: ScriptLedger, logger: Logger): Promise<DebuggerScope> {
    await enable(own, ledger);
    let scope = new DebuggerScope(own, hub, [], logger);
    let failure: HotfixWorkerError | undefined;
    try {
      const workers = hub === undefined ? [] : await hub.attach();
      scope = new DebuggerScope(own, hub, workers, logger);
      const results = await Promise.allSettled(workers.map((worker) => enable(worker, ledger)));
      const index = results.findIndex((result, i) => result.status === 'rejected' && workers[i]?.detached !== true);
      const failed = results[index];
      if (failed?.status === 'rejected') {
        const reason: unknown = failed.reason;
        failure = new HotfixWorkerError(workers[index]?.key ?? '?', `its debugger could not be enabled: ${describe(reason)}`, reason);
      }
    } catch (error) {
      await scope.close();
      throw error;
    }
    if (failure === undefined) return scope;
    await scope.close();
    throw failure;
  }

  /** Turns the debugger off everywhere; problems are logged, never thrown. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.detached) return;
        try {
          await worker.call('Debugger.disable');
          announce(worker, false);
        } catch (error) {
          if (!worker.detached) this.logger.warn(`hotfix: could not disable the debugger of ${worker.label}: ${String(error)}`);
        }
      }),
    );
    if (this.hub !== undefined) {
      try {
        await this.hub.detach();
      } catch (error) {
        this.logger.warn(`hotfix: could not detach from worker threads: ${String(error)}`);
      }
    }
    try {
      await this.own.call('Debugger.disable');
      announce(this.own, false);
    } catch (error) {
      this.logger.warn(`hotfix: could not disable the debugger: ${String(error)}`);
    }
    this.own.registry.clear();
  }
}
