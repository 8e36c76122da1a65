/**
 * The one error catalogue of hotswap. Every failure hotswap reports is an instance of one of these
 * classes, carries a stable `code` (`HOTSWAP_ERR_*`), names the offending plugin/file/hook in its
 * message, and keeps the original error as `cause`. docs/errors.md documents every code; a test
 * checks that no code is missing there.
 */

/** Every stable error code hotswap can report. */
export const errorCodes = [
  'HOTSWAP_ERR_INVALID_ARGUMENT',
  'HOTSWAP_ERR_NOT_LOADED',
  'HOTSWAP_ERR_ALREADY_LOADED',
  'HOTSWAP_ERR_MANAGER_CLOSED',
  'HOTSWAP_ERR_PLUGIN_DIR_MISSING',
  'HOTSWAP_ERR_ROOT_MODULE_MISSING',
  'HOTSWAP_ERR_OUTPUT_INSIDE_PLUGIN',
  'HOTSWAP_ERR_BUILD_FAILED',
  'HOTSWAP_ERR_MANIFEST_INVALID',
  'HOTSWAP_ERR_ARTIFACT_MISSING',
  'HOTSWAP_ERR_HASH_MISMATCH',
  'HOTSWAP_ERR_PLUGIN_EVALUATION',
  'HOTSWAP_ERR_PLUGIN_INVALID',
  'HOTSWAP_ERR_DUPLICATE_PLUGIN',
  'HOTSWAP_ERR_WHITELISTED_PLUGIN_MISSING',
  'HOTSWAP_ERR_HOOK_FAILED',
  'HOTSWAP_ERR_HOOK_TIMEOUT',
  'HOTSWAP_ERR_EXTENSION_FAILED',
  'HOTSWAP_ERR_RELOAD_VETOED',
  'HOTSWAP_ERR_PLUGIN_NOT_FOUND',
  'HOTSWAP_ERR_FUNCTION_NOT_FOUND',
  'HOTSWAP_ERR_SIGNAL_UNSUPPORTED',
  'HOTSWAP_ERR_PROCESS_NOT_FOUND',
  'HOTSWAP_ERR_NOT_A_HOST',
  'HOTSWAP_ERR_HOST_NOT_FOUND',
  'HOTSWAP_ERR_HOST_AMBIGUOUS',
  'HOTSWAP_ERR_SIGNAL_NOT_HANDLED',
  'HOTSWAP_ERR_RUNTIME_DIR_UNSAFE',
  'HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE',
  'HOTSWAP_ERR_CONTROL_MALFORMED',
  'HOTSWAP_ERR_CONTROL_INTERNAL',
  'HOTSWAP_ERR_CONTROL_UNKNOWN_METHOD',
  'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH',
  'HOTSWAP_ERR_CONTROL_UNAVAILABLE',
  'HOTSWAP_ERR_INPUT_UNREADABLE',
  'HOTSWAP_ERR_LIVE_DATA_INVALID',
  'HOTSWAP_ERR_LIVE_TYPE_MISMATCH',
  'HOTSWAP_ERR_LIVE_FUNCTION_NOT_FOUND',
  'HOTSWAP_ERR_LIVE_JOBS_ORPHANED',
  'HOTSWAP_ERR_UNKNOWN_DEPENDENCY',
  'HOTSWAP_ERR_CYCLIC_DEPENDENCY',
  'HOTSWAP_ERR_RELOADABLE_DEPENDENCY',
  'HOTSWAP_ERR_STATE_HANDOFF',
  'HOTSWAP_ERR_STATIC_RELOAD',
  'HOTSWAP_ERR_ROLLBACK_UNAVAILABLE',
  'HOTSWAP_ERR_DUPLICATE_LIVE_NAME',
  'HOTSWAP_ERR_HOTFIX_INVALID',
  'HOTSWAP_ERR_HOTFIX_SCRIPT_NOT_FOUND',
  'HOTSWAP_ERR_HOTFIX_BASE_MISMATCH',
  'HOTSWAP_ERR_HOTFIX_REFUSED',
  'HOTSWAP_ERR_HOTFIX_BLOCKED',
  'HOTSWAP_ERR_HOTFIX_LIVEEDIT_FAILED',
  'HOTSWAP_ERR_HOTFIX_LIVEEDIT_UNAVAILABLE',
  'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED',
  'HOTSWAP_ERR_HOTFIX_INIT_FAILED',
  'HOTSWAP_ERR_HOTFIX_NOT_APPLIED',
  'HOTSWAP_ERR_HOTFIX_NOT_REVERTIBLE',
  'HOTSWAP_ERR_SIGNATURE_MISSING',
  'HOTSWAP_ERR_SIGNATURE_UNTRUSTED',
  'HOTSWAP_ERR_SIGNATURE_INVALID',
  'HOTSWAP_ERR_FLEET_BLOB',
  'HOTSWAP_ERR_FLEET_RELEASE_INVALID',
  'HOTSWAP_ERR_FLEET_ROLLOUT',
  'HOTSWAP_ERR_FLEET_HOTFIX_UNSUPPORTED',
  'HOTSWAP_ERR_HOTFIX_WORKER_FAILED',
  'HOTSWAP_ERR_HOTFIX_REDIRECT_FAILED',
] as const;

export type HotswapErrorCode = (typeof errorCodes)[number];

/** The lifecycle hooks a plugin may define, as named in errors and outcomes. */
export type HookName = 'onLoad' | 'export' | 'restore' | 'onVault' | 'onInit' | 'onFree' | 'onReload';

/** Base class: `instanceof HotswapError` catches every hotswap error; switch on `code`. */
export class HotswapError<C extends HotswapErrorCode = HotswapErrorCode> extends Error {
  readonly code: C;
  /** The plugin the error is about, when there is one. */
  readonly plugin: string | undefined;

  constructor(code: C, message: string, options: { plugin?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.plugin = options.plugin;
    this.name = new.target.name;
  }
}

/** A caller passed something hotswap cannot use (wrong type, out of range). A programmer error: thrown. */
export class InvalidArgumentError extends HotswapError<'HOTSWAP_ERR_INVALID_ARGUMENT'> {
  constructor(what: string, detail: string) {
    super('HOTSWAP_ERR_INVALID_ARGUMENT', `invalid ${what}: ${detail}`);
  }
}

export class NotLoadedError extends HotswapError<'HOTSWAP_ERR_NOT_LOADED'> {
  constructor(operation: string) {
    super('HOTSWAP_ERR_NOT_LOADED', `${operation}() needs a loaded manager: call load() first and wait for an ok outcome`);
  }
}

export class AlreadyLoadedError extends HotswapError<'HOTSWAP_ERR_ALREADY_LOADED'> {
  constructor() {
    super('HOTSWAP_ERR_ALREADY_LOADED', 'load() was already called on this manager: use reload() to load new code');
  }
}

export class ManagerClosedError extends HotswapError<'HOTSWAP_ERR_MANAGER_CLOSED'> {
  constructor(operation: string) {
    super('HOTSWAP_ERR_MANAGER_CLOSED', `${operation}() called on a closed PluginManager`);
  }
}

export class PluginDirMissingError extends HotswapError<'HOTSWAP_ERR_PLUGIN_DIR_MISSING'> {
  readonly dir: string;
  constructor(dir: string, cause?: unknown) {
    super('HOTSWAP_ERR_PLUGIN_DIR_MISSING', `plugin directory not found: ${dir}`, { cause });
    this.dir = dir;
  }
}

export class RootModuleMissingError extends HotswapError<'HOTSWAP_ERR_ROOT_MODULE_MISSING'> {
  constructor(plugin: string, dir: string, tried: readonly string[]) {
    super(
      'HOTSWAP_ERR_ROOT_MODULE_MISSING',
      `plugin "${plugin}" has no root module: looked for ${tried.join(', ')} in ${dir}`,
      { plugin },
    );
  }
}

export class OutputInsidePluginError extends HotswapError<'HOTSWAP_ERR_OUTPUT_INSIDE_PLUGIN'> {
  constructor(plugin: string, outDir: string, pluginDir: string) {
    super(
      'HOTSWAP_ERR_OUTPUT_INSIDE_PLUGIN',
      `output directory ${outDir} is inside the directory of plugin "${plugin}" (${pluginDir}): ` +
        'the build would bundle its own output; choose an output directory outside every plugin',
      { plugin },
    );
  }
}

/** One compile error with its location, as esbuild reports it. */
export interface BuildMessage {
  file: string | undefined;
  line: number | undefined;
  column: number | undefined;
  text: string;
}

export class BuildFailedError extends HotswapError<'HOTSWAP_ERR_BUILD_FAILED'> {
  readonly messages: readonly BuildMessage[];
  constructor(plugin: string, messages: readonly BuildMessage[], cause?: unknown) {
    const lines = messages.map((m) =>
      m.file === undefined ? m.text : `${m.file}:${m.line ?? 0}:${m.column ?? 0}: ${m.text}`,
    );
    super('HOTSWAP_ERR_BUILD_FAILED', `build of plugin "${plugin}" failed:\n  ${lines.join('\n  ')}`, {
      plugin,
      cause,
    });
    this.messages = messages;
  }
}

export class ManifestInvalidError extends HotswapError<'HOTSWAP_ERR_MANIFEST_INVALID'> {
  readonly file: string;
  constructor(file: string, detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_MANIFEST_INVALID', `manifest ${file} is invalid: ${detail}`, { cause });
    this.file = file;
  }
}

export class ArtifactMissingError extends HotswapError<'HOTSWAP_ERR_ARTIFACT_MISSING'> {
  constructor(plugin: string, file: string, cause?: unknown) {
    super('HOTSWAP_ERR_ARTIFACT_MISSING', `artifact of plugin "${plugin}" cannot be read: ${file}`, {
      plugin,
      cause,
    });
  }
}

export class HashMismatchError extends HotswapError<'HOTSWAP_ERR_HASH_MISMATCH'> {
  constructor(plugin: string, file: string, expected: string, actual: string) {
    super(
      'HOTSWAP_ERR_HASH_MISMATCH',
      `artifact of plugin "${plugin}" does not match its manifest (${file}): ` +
        `sha256 ${actual.slice(0, 16)}… where the manifest says ${expected.slice(0, 16)}…; ` +
        'it was modified or truncated after the build',
      { plugin },
    );
  }
}

export class PluginEvaluationError extends HotswapError<'HOTSWAP_ERR_PLUGIN_EVALUATION'> {
  constructor(plugin: string, cause: unknown) {
    super('HOTSWAP_ERR_PLUGIN_EVALUATION', `plugin "${plugin}" failed to evaluate: ${describe(cause)}`, {
      plugin,
      cause,
    });
  }
}

export class PluginInvalidError extends HotswapError<'HOTSWAP_ERR_PLUGIN_INVALID'> {
  constructor(plugin: string, detail: string) {
    super('HOTSWAP_ERR_PLUGIN_INVALID', `plugin "${plugin}" is invalid: ${detail}`, { plugin });
  }
}

export class DuplicatePluginError extends HotswapError<'HOTSWAP_ERR_DUPLICATE_PLUGIN'> {
  constructor(first: string, second: string) {
    super(
      'HOTSWAP_ERR_DUPLICATE_PLUGIN',
      `plugins "${first}" and "${second}" have the same name ignoring case: rename one`,
      { plugin: second },
    );
  }
}

export class WhitelistedPluginMissingError extends HotswapError<'HOTSWAP_ERR_WHITELISTED_PLUGIN_MISSING'> {
  constructor(plugin: string, dir: string) {
    super(
      'HOTSWAP_ERR_WHITELISTED_PLUGIN_MISSING',
      `plugin "${plugin}" is whitelisted but has no manifest in ${dir}`,
      { plugin },
    );
  }
}

export class HookFailedError extends HotswapError<'HOTSWAP_ERR_HOOK_FAILED'> {
  readonly hook: HookName;
  constructor(plugin: string, hook: HookName, cause: unknown) {
    super('HOTSWAP_ERR_HOOK_FAILED', `${hook}() of plugin "${plugin}" failed: ${describe(cause)}`, {
      plugin,
      cause,
    });
    this.hook = hook;
  }
}

export class HookTimeoutError extends HotswapError<'HOTSWAP_ERR_HOOK_TIMEOUT'> {
  readonly hook: HookName;
  readonly timeoutMs: number;
  constructor(plugin: string, hook: HookName, timeoutMs: number) {
    super(
      'HOTSWAP_ERR_HOOK_TIMEOUT',
      `${hook}() of plugin "${plugin}" did not settle within ${timeoutMs} ms (hookTimeout)`,
      { plugin },
    );
    this.hook = hook;
    this.timeoutMs = timeoutMs;
  }
}

export class ExtensionFailedError extends HotswapError<'HOTSWAP_ERR_EXTENSION_FAILED'> {
  constructor(cause: unknown) {
    super('HOTSWAP_ERR_EXTENSION_FAILED', `the manager's extension() factory threw: ${describe(cause)}`, { cause });
  }
}

export class ReloadVetoedError extends HotswapError<'HOTSWAP_ERR_RELOAD_VETOED'> {
  constructor(generation: number, cause?: unknown) {
    super(
      'HOTSWAP_ERR_RELOAD_VETOED',
      `onReload vetoed generation ${generation}` + (cause === undefined ? '' : `: ${describe(cause)}`),
      { cause },
    );
  }
}

export class PluginNotFoundError extends HotswapError<'HOTSWAP_ERR_PLUGIN_NOT_FOUND'> {
  constructor(plugin: string, generation: number) {
    super('HOTSWAP_ERR_PLUGIN_NOT_FOUND', `no plugin "${plugin}" in generation ${generation}`, { plugin });
  }
}

export class FunctionNotFoundError extends HotswapError<'HOTSWAP_ERR_FUNCTION_NOT_FOUND'> {
  readonly fn: string;
  constructor(plugin: string, fn: string, version: string) {
    super(
      'HOTSWAP_ERR_FUNCTION_NOT_FOUND',
      `plugin "${plugin}" (version ${version}) has no function "${fn}" in its functions`,
      { plugin },
    );
    this.fn = fn;
  }
}

export class SignalUnsupportedError extends HotswapError<'HOTSWAP_ERR_SIGNAL_UNSUPPORTED'> {
  constructor(signal: string, platform: string) {
    super(
      'HOTSWAP_ERR_SIGNAL_UNSUPPORTED',
      `signal ${signal} cannot be used on ${platform}: call manager.reload() from your own trigger ` +
        '(an admin route, process.on("message"), a file watcher) instead',
    );
  }
}

export class ProcessNotFoundError extends HotswapError<'HOTSWAP_ERR_PROCESS_NOT_FOUND'> {
  constructor(pid: number, cause?: unknown) {
    super('HOTSWAP_ERR_PROCESS_NOT_FOUND', `no process with pid ${pid} can be signalled`, { cause });
  }
}

/**
 * A live process that is not known to be a hotswap host listening for a reload signal: signalling
 * it could terminate it (SIGUSR2's default action), so nothing was sent.
 */
export class NotAHostError extends HotswapError<'HOTSWAP_ERR_NOT_A_HOST'> {
  constructor(pid: number, runtimeDir: string) {
    super(
      'HOTSWAP_ERR_NOT_A_HOST',
      `process ${pid} is not a hotswap host listening for a reload signal (it has no record in ${runtimeDir}); ` +
        'nothing was sent, since the signal could terminate it. In the host, call manager.reloadOnSignal()',
    );
  }
}

/** No host of this user matches the name given (or, none given, no host runs at all). */
export class HostNotFoundError extends HotswapError<'HOTSWAP_ERR_HOST_NOT_FOUND'> {
  constructor(name: string | undefined, runtimeDir: string, running: string) {
    const which = name === undefined ? 'no hotswap host' : `no hotswap host named "${name}"`;
    const known = running === '' ? 'none is running' : `running: ${running}`;
    super('HOTSWAP_ERR_HOST_NOT_FOUND', `${which} runs for this user on this machine (${known}; records in ${runtimeDir})`);
  }
}

/** A name (or no target at all) matches several hosts. */
export class HostAmbiguousError extends HotswapError<'HOTSWAP_ERR_HOST_AMBIGUOUS'> {
  constructor(name: string | undefined, matches: string) {
    const which = name === undefined ? 'no host was named and several run' : `"${name}" names several hosts`;
    super('HOTSWAP_ERR_HOST_AMBIGUOUS', `${which}: ${matches}; give a pid`);
  }
}

/** The host does not reload on the signal asked for: its default action could terminate it. */
export class SignalNotHandledError extends HotswapError<'HOTSWAP_ERR_SIGNAL_NOT_HANDLED'> {
  constructor(host: string, pid: number, signal: string, handled: readonly string[]) {
    super(
      'HOTSWAP_ERR_SIGNAL_NOT_HANDLED',
      `${host} (pid ${pid}) does not reload on ${signal} (it listens for ${handled.join(', ')}); nothing was sent`,
    );
  }
}

/** The per-user runtime directory exists but cannot be trusted. */
export class RuntimeDirUnsafeError extends HotswapError<'HOTSWAP_ERR_RUNTIME_DIR_UNSAFE'> {
  constructor(dir: string, detail: string) {
    super(
      'HOTSWAP_ERR_RUNTIME_DIR_UNSAFE',
      `the hotswap runtime directory ${dir} cannot be used: ${detail}; remove it, or set HOTSWAP_RUNTIME_DIR to a directory of your own`,
    );
  }
}

/** A control connection sent (or was about to be sent) a frame over the size limit. */
export class ControlFrameTooLargeError extends HotswapError<'HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE'> {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super('HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE', `a control frame of ${bytes} bytes is over the limit of ${limit} bytes (option maxFrameBytes)`);
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A control frame that is not a JSON document, or not a JSON-RPC 2.0 message. */
export class ControlMalformedError extends HotswapError<'HOTSWAP_ERR_CONTROL_MALFORMED'> {
  constructor(detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_CONTROL_MALFORMED', `malformed control message: ${detail}`, { cause });
  }
}

/** A control method failed with an error that is not hotswap's own: a bug, reported to the caller. */
export class ControlInternalError extends HotswapError<'HOTSWAP_ERR_CONTROL_INTERNAL'> {
  constructor(method: string, cause: unknown) {
    super('HOTSWAP_ERR_CONTROL_INTERNAL', `control method ${method} failed unexpectedly (please report it): ${describe(cause)}`, { cause });
  }
}

/** A control request named a method the host does not have (or not for what it runs: no manager, no hotfix engine). */
export class ControlUnknownMethodError extends HotswapError<'HOTSWAP_ERR_CONTROL_UNKNOWN_METHOD'> {
  constructor(method: string, detail: string) {
    super('HOTSWAP_ERR_CONTROL_UNKNOWN_METHOD', `control method ${method}: ${detail}`);
  }
}

/** The two ends of a control connection speak protocol versions that do not fit, or skipped the hello. */
export class ControlProtocolMismatchError extends HotswapError<'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH'> {
  constructor(detail: string) {
    super('HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH', `control protocol: ${detail}`);
  }
}

/** A control connection could not be made or was lost: the host is gone, or not answering in time. */
export class ControlUnavailableError extends HotswapError<'HOTSWAP_ERR_CONTROL_UNAVAILABLE'> {
  readonly socket: string;
  constructor(socket: string, detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_CONTROL_UNAVAILABLE', `the control socket ${socket} ${detail}`, { cause });
    this.socket = socket;
  }
}

/** A file or directory named on the command line cannot be read or is not what it should be. */
export class InputUnreadableError extends HotswapError<'HOTSWAP_ERR_INPUT_UNREADABLE'> {
  /** The path as given. */
  readonly path: string;
  constructor(what: string, path: string, detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_INPUT_UNREADABLE', `${what} ${path} ${detail}`, { cause });
    this.path = path;
  }
}

export class LiveDataInvalidError extends HotswapError<'HOTSWAP_ERR_LIVE_DATA_INVALID'> {
  /** Where in the value the offender is, e.g. `$.jobs[2].callback`. */
  readonly path: string;
  constructor(path: string, detail: string) {
    super(
      'HOTSWAP_ERR_LIVE_DATA_INVALID',
      `not plain data at ${path}: ${detail} (live data must not hold functions, symbols or class instances, ` +
        'which would keep old plugin code alive)',
    );
    this.path = path;
  }
}

export class LiveTypeMismatchError extends HotswapError<'HOTSWAP_ERR_LIVE_TYPE_MISMATCH'> {
  constructor(expected: string, actual: string) {
    super('HOTSWAP_ERR_LIVE_TYPE_MISMATCH', `live data of type "${actual}" cannot be unwrapped as "${expected}"`);
  }
}

export class LiveFunctionNotFoundError extends HotswapError<'HOTSWAP_ERR_LIVE_FUNCTION_NOT_FOUND'> {
  readonly fn: string;
  constructor(fn: string, generation: number) {
    super(
      'HOTSWAP_ERR_LIVE_FUNCTION_NOT_FOUND',
      `no live function "${fn}" in generation ${generation}: no plugin exports it any more`,
    );
    this.fn = fn;
  }
}

/**
 * A reload would remove live functions that pending live jobs name: the jobs would fail when they
 * fire. Refused before the swap; the current generation and its jobs are untouched.
 */
export class LiveJobsOrphanedError extends HotswapError<'HOTSWAP_ERR_LIVE_JOBS_ORPHANED'> {
  /** The live functions the next generation no longer has, each with the plugin exporting it now. */
  readonly functions: readonly { readonly fn: string; readonly plugin: string | undefined }[];
  /** The pending jobs that name them, oldest first. */
  readonly jobs: readonly { readonly id: number; readonly fn: string }[];
  constructor(
    functions: readonly { readonly fn: string; readonly plugin: string | undefined }[],
    jobs: readonly { readonly id: number; readonly fn: string }[],
  ) {
    const owners = new Set(functions.map((f) => f.plugin));
    const named = functions.map((f) => `"${f.fn}"${f.plugin === undefined ? '' : ` (plugin ${f.plugin})`}`).join(', ');
    const shown = 10;
    const ids = jobs.slice(0, shown).map((j) => j.id).join(', ') + (jobs.length > shown ? `, and ${jobs.length - shown} more` : '');
    super(
      'HOTSWAP_ERR_LIVE_JOBS_ORPHANED',
      `the new generation has no live function ${named}, and ${jobs.length} pending live job(s) name it (job ids ${ids}): ` +
        'let those jobs run, or cancel them (jobs.cancel(id)), before reloading without it',
      { plugin: owners.size === 1 ? [...owners][0] : undefined },
    );
    this.functions = functions;
    this.jobs = jobs;
  }
}

export class UnknownDependencyError extends HotswapError<'HOTSWAP_ERR_UNKNOWN_DEPENDENCY'> {
  readonly dependency: string;
  constructor(plugin: string, dependency: string) {
    super(
      'HOTSWAP_ERR_UNKNOWN_DEPENDENCY',
      `plugin "${plugin}" imports "${dependency}", which is not a plugin of this generation`,
      { plugin },
    );
    this.dependency = dependency;
  }
}

export class CyclicDependencyError extends HotswapError<'HOTSWAP_ERR_CYCLIC_DEPENDENCY'> {
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[]) {
    super('HOTSWAP_ERR_CYCLIC_DEPENDENCY', `cyclic dependency detected: ${cycle.join(' -> ')}`, { plugin: cycle[0] });
    this.cycle = cycle;
  }
}

export class ReloadableDependencyError extends HotswapError<'HOTSWAP_ERR_RELOADABLE_DEPENDENCY'> {
  constructor(plugin: string, dependency: string) {
    super(
      'HOTSWAP_ERR_RELOADABLE_DEPENDENCY',
      `plugin "${plugin}" is not reloadable but imports "${dependency}", which is: it would keep ` +
        `using a version of "${dependency}" that a reload replaced; make both reloadable or neither`,
      { plugin },
    );
  }
}

export class StateHandoffError extends HotswapError<'HOTSWAP_ERR_STATE_HANDOFF'> {
  readonly hook: 'snapshot' | 'restore';
  constructor(plugin: string, hook: 'snapshot' | 'restore', cause: unknown) {
    super('HOTSWAP_ERR_STATE_HANDOFF', `${hook}() of plugin "${plugin}" failed: ${describe(cause)}`, { plugin, cause });
    this.hook = hook;
  }
}

export class StaticReloadError extends HotswapError<'HOTSWAP_ERR_STATIC_RELOAD'> {
  constructor() {
    super(
      'HOTSWAP_ERR_STATIC_RELOAD',
      'this manager runs statically linked plugins (staticPlugins): their code is part of the program ' +
        'and cannot be reloaded; restart the process to run new code',
    );
  }
}

/**
 * `rollback()` cannot go where it was asked: no earlier generation is kept, the one named is not
 * (or no longer) kept, or one of its artifacts is gone from both the kept copies and its plugin
 * directory. Nothing was changed.
 */
export class RollbackUnavailableError extends HotswapError<'HOTSWAP_ERR_ROLLBACK_UNAVAILABLE'> {
  /** The generation asked for, when one was. */
  readonly generation: number | undefined;
  constructor(generation: number | undefined, detail: string, options: { plugin?: string; cause?: unknown } = {}) {
    super(
      'HOTSWAP_ERR_ROLLBACK_UNAVAILABLE',
      `cannot roll back${generation === undefined ? '' : ` to generation ${generation}`}: ${detail}`,
      options,
    );
    this.generation = generation;
  }
}

/**
 * Two live functions or live types whose names are equal ignoring case: the vault could not tell
 * them apart. Raised by the build (two modules of one plugin) and by the runtime (two plugins of
 * one generation); `first` and `second` say where each one is, in free text.
 */
export class DuplicateLiveNameError extends HotswapError<'HOTSWAP_ERR_DUPLICATE_LIVE_NAME'> {
  readonly liveName: string;
  readonly first: string;
  readonly second: string;
  /**
   * @param name the live name, as first found
   * @param first where the first one is, e.g. `plugin alpha (jobs/send.ts)`
   * @param second where the second one is
   */
  constructor(name: string, first: string, second: string, options: { plugin?: string | undefined } = {}) {
    super(
      'HOTSWAP_ERR_DUPLICATE_LIVE_NAME',
      `live name "${name}" is exported twice (live names are compared ignoring case): by ${first} and by ${second}; rename one`,
      { plugin: options.plugin },
    );
    this.liveName = name;
    this.first = first;
    this.second = second;
  }
}

/** A patch object is malformed (missing version, a file without source or hash, a bad scope selector). */
export class HotfixInvalidError extends HotswapError<'HOTSWAP_ERR_HOTFIX_INVALID'> {
  constructor(detail: string) {
    super('HOTSWAP_ERR_HOTFIX_INVALID', `invalid patch: ${detail}`);
  }
}

/** No script of the running process (or of a worker) corresponds to a patched file. */
export class HotfixScriptNotFoundError extends HotswapError<'HOTSWAP_ERR_HOTFIX_SCRIPT_NOT_FOUND'> {
  readonly file: string;
  constructor(file: string) {
    super('HOTSWAP_ERR_HOTFIX_SCRIPT_NOT_FOUND', `no loaded script matches ${file}: the process has not loaded it`);
    this.file = file;
  }
}

/** The patch was built against other code than the code running. */
export class HotfixBaseMismatchError extends HotswapError<'HOTSWAP_ERR_HOTFIX_BASE_MISMATCH'> {
  readonly file: string;
  constructor(file: string, expected: string, actual: string) {
    super(
      'HOTSWAP_ERR_HOTFIX_BASE_MISMATCH',
      `patch of ${file} was built against source sha256 ${expected.slice(0, 16)}…, but the running source is ` +
        `${actual.slice(0, 16)}…: rebuild the patch from the code that runs`,
    );
    this.file = file;
  }
}

/** The planner refused an edit LiveEdit would not apply correctly; the reason and place are named. */
export class HotfixRefusedError extends HotswapError<'HOTSWAP_ERR_HOTFIX_REFUSED'> {
  readonly file: string;
  readonly reasons: readonly string[];
  constructor(file: string, reasons: readonly string[]) {
    super('HOTSWAP_ERR_HOTFIX_REFUSED', `patch of ${file} refused:\n  ${reasons.join('\n  ')}`);
    this.file = file;
    this.reasons = reasons;
  }
}

/** A changed function stayed suspended (an async function at an await, a generator) until the deadline. */
export class HotfixBlockedError extends HotswapError<'HOTSWAP_ERR_HOTFIX_BLOCKED'> {
  readonly file: string;
  constructor(file: string, deadlineMs: number) {
    super(
      'HOTSWAP_ERR_HOTFIX_BLOCKED',
      `patch of ${file} could not be applied within ${deadlineMs} ms: a changed async function or generator ` +
        'stayed suspended (LiveEdit cannot replace a function with an active frame); nothing was changed',
    );
    this.file = file;
  }
}

/** V8 LiveEdit refused or failed to apply a source (compile error, unsupported change). */
export class HotfixLiveEditError extends HotswapError<'HOTSWAP_ERR_HOTFIX_LIVEEDIT_FAILED'> {
  readonly file: string;
  constructor(file: string, status: string, cause?: unknown) {
    super('HOTSWAP_ERR_HOTFIX_LIVEEDIT_FAILED', `LiveEdit did not apply ${file}: ${status}`, { cause });
    this.file = file;
  }
}

/** This Node's V8 does not take `Debugger.setScriptSource`, even with `--inspector-live-edit` turned on. */
export class HotfixLiveEditUnavailableError extends HotswapError<'HOTSWAP_ERR_HOTFIX_LIVEEDIT_UNAVAILABLE'> {
  constructor(detail: string) {
    super(
      'HOTSWAP_ERR_HOTFIX_LIVEEDIT_UNAVAILABLE',
      `LiveEdit is unavailable on Node ${process.version} (V8 ${process.versions.v8}): ${detail}; nothing was changed`,
    );
  }
}

/** After LiveEdit reported success, a changed function was found still running its old code. */
export class HotfixVerifyError extends HotswapError<'HOTSWAP_ERR_HOTFIX_VERIFY_FAILED'> {
  readonly file: string;
  constructor(file: string, fn: string, detail: string) {
    super('HOTSWAP_ERR_HOTFIX_VERIFY_FAILED', `${fn} in ${file} still runs its old code after the patch: ${detail}`);
    this.file = file;
  }
}

/** The patch's one-time init function threw; the patch was reverted. */
export class HotfixInitError extends HotswapError<'HOTSWAP_ERR_HOTFIX_INIT_FAILED'> {
  constructor(version: string, cause: unknown) {
    super('HOTSWAP_ERR_HOTFIX_INIT_FAILED', `init of patch ${version} failed: ${describe(cause)}; the patch was reverted`, { cause });
  }
}

/** revert() of a version that is not applied. */
export class HotfixNotAppliedError extends HotswapError<'HOTSWAP_ERR_HOTFIX_NOT_APPLIED'> {
  constructor(version: string) {
    super('HOTSWAP_ERR_HOTFIX_NOT_APPLIED', `patch ${version} is not applied`);
  }
}

/** revert() of a patch the engine folded into a later one (option `revertible`): it stays applied. */
export class HotfixNotRevertibleError extends HotswapError<'HOTSWAP_ERR_HOTFIX_NOT_REVERTIBLE'> {
  constructor(version: string, revertible: number) {
    super(
      'HOTSWAP_ERR_HOTFIX_NOT_REVERTIBLE',
      `patch ${version} cannot be reverted: later patches replaced all its files, and the engine keeps what reverts need for the newest ${revertible} patch${revertible === 1 ? '' : 'es'} only (option revertible); it stays applied`,
    );
  }
}

/** A worker thread could not be patched; the patch was reverted everywhere. */
export class HotfixWorkerError extends HotswapError<'HOTSWAP_ERR_HOTFIX_WORKER_FAILED'> {
  constructor(workerId: string, detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_HOTFIX_WORKER_FAILED', `worker ${workerId} could not be patched: ${detail}`, { cause });
  }
}

/**
 * The redirection backend could not instrument a module as it loaded, or could not compile a
 * patch's new functions in the module's scope. Nothing stays changed.
 */
export class HotfixRedirectError extends HotswapError<'HOTSWAP_ERR_HOTFIX_REDIRECT_FAILED'> {
  readonly file: string;
  constructor(file: string, detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_HOTFIX_REDIRECT_FAILED', `redirection cannot patch ${file}: ${detail}`, { cause });
    this.file = file;
  }
}

/** Whether a value is a hotswap error (of any code). */
export function isHotswapError(value: unknown): value is HotswapError {
  // Duck-typed: plugin bundles carry their own copy of the error classes (live data errors thrown
  // in plugin code), which `instanceof` the host's classes does not recognise.
  return (
    value instanceof Error &&
    typeof (value as unknown as { code?: unknown }).code === 'string' &&
    (value as unknown as { code: string }).code.startsWith('HOTSWAP_ERR_')
  );
}

/** A one-line description of any thrown value, for messages. */
export function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A host with trusted keys was given an unsigned plugin manifest, patch or release. */
export class SignatureMissingError extends HotswapError<'HOTSWAP_ERR_SIGNATURE_MISSING'> {
  constructor(kind: string, name: string) {
    super('HOTSWAP_ERR_SIGNATURE_MISSING', `${kind} ${kind === 'plugin' ? JSON.stringify(name) : name} is not signed, and this host only takes what its trusted keys signed`, {
      plugin: kind === 'plugin' ? name : undefined,
    });
  }
}

/** Signed by a key the host does not trust. */
export class SignatureUntrustedError extends HotswapError<'HOTSWAP_ERR_SIGNATURE_UNTRUSTED'> {
  constructor(kind: string, name: string, keyId: string) {
    super('HOTSWAP_ERR_SIGNATURE_UNTRUSTED', `${kind} ${kind === 'plugin' ? JSON.stringify(name) : name} is signed by key ${keyId}, which is not one of this host's trusted keys`, {
      plugin: kind === 'plugin' ? name : undefined,
    });
  }
}

/** A signature that does not verify: the document was changed after signing, or the signature is malformed. */
export class SignatureInvalidError extends HotswapError<'HOTSWAP_ERR_SIGNATURE_INVALID'> {
  constructor(kind: string, name: string, detail: string) {
    super('HOTSWAP_ERR_SIGNATURE_INVALID', `${kind} ${kind === 'plugin' ? JSON.stringify(name) : name} has a signature that does not verify: ${detail}`, {
      plugin: kind === 'plugin' ? name : undefined,
    });
  }
}

/** An artifact of a fleet release that cannot be used: missing from Redis, incomplete, or changed there. */
export class FleetBlobError extends HotswapError<'HOTSWAP_ERR_FLEET_BLOB'> {
  constructor(sha256: string, detail: string) {
    super('HOTSWAP_ERR_FLEET_BLOB', `blob ${sha256.slice(0, 16)}… of the release cannot be used: ${detail}`);
  }
}

/** A release record in Redis that is not one hotswap wrote (malformed, or of another format). */
/** A rollout operation that does not apply to the service's rollout now (none, or ended), or that lost too many races with other writers. */
export class FleetRolloutError extends HotswapError<'HOTSWAP_ERR_FLEET_ROLLOUT'> {
  constructor(service: string, operation: string, detail: string) {
    super('HOTSWAP_ERR_FLEET_ROLLOUT', `cannot ${operation} the rollout of ${service}: ${detail}`);
  }
}

/** A hotfix release reached an instance that joined its fleet without a hotfix engine. */
export class FleetHotfixUnsupportedError extends HotswapError<'HOTSWAP_ERR_FLEET_HOTFIX_UNSUPPORTED'> {
  constructor(instance: string, release: string) {
    super('HOTSWAP_ERR_FLEET_HOTFIX_UNSUPPORTED', `instance ${instance} cannot apply hotfix release ${release}: it joined the fleet without a hotfix engine (joinFleet's \`hotfix\` option)`);
  }
}

export class FleetReleaseInvalidError extends HotswapError<'HOTSWAP_ERR_FLEET_RELEASE_INVALID'> {
  constructor(id: string, detail: string, cause?: unknown) {
    super('HOTSWAP_ERR_FLEET_RELEASE_INVALID', `release ${id} is invalid: ${detail}`, { cause });
  }
}
