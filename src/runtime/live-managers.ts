/**
 * The managers alive in this thread, kept under a global symbol: a control server started before
 * the program's first line (`hotswap run`) finds the PluginManager the program creates later,
 * without the runtime importing the control plane.
 */
export interface RegisteredManager {
  reload(data?: unknown): Promise<unknown>;
  status(): unknown;
}

const KEY = Symbol.for('hotswap.managers');

function registry(): Set<RegisteredManager> {
  const holder = globalThis as unknown as Record<symbol, Set<RegisteredManager> | undefined>;
  return (holder[KEY] ??= new Set());
}

/** Registers a manager until the returned function is called (on close). */
export function registerManager(manager: RegisteredManager): () => void {
  registry().add(manager);
  return () => registry().delete(manager);
}

/** The managers alive, oldest first. */
export function liveManagers(): RegisteredManager[] {
  return [...registry()];
}
