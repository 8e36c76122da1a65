/** `hotswap`: the host API. */
export { PluginManager } from './runtime/manager.js';
export type { PluginManagerEvents } from './runtime/manager.js';
export type { StaticPlugin } from './runtime/candidates.js';
export type { InvokeEachResult } from './runtime/invoke-each.js';
export { summarizeDetails } from './runtime/summary.js';
export { LiveJobScheduler } from './live/jobs.js';
export { live, LIVE_TYPE_TAG } from './live/index.js';
export type { CheckOptions, LiveData } from './live/index.js';
export type {
  DataBag,
  JobId,
  LiveFunction,
  LiveJobs,
  LiveType,
  PendingJob,
  ExportsOf,
  FunctionsOf,
  PluginContext,
  PluginDefinition,
  Vault,
} from './plugin/definition.js';
export type {
  FreedGenerationInfo,
  GenerationInfo,
  PluginDetail,
  PluginManagerOptions,
  PluginStatus,
  ReloadFailure,
  ReloadOutcome,
  ReloadStage,
  ReloadSuccess,
} from './runtime/options.js';
export { FunctionArtifactLoader } from './runtime/loader.js';
export type { ArtifactLoader, LoadedArtifact } from './runtime/loader.js';
export type { Logger } from './logger.js';
export type { PluginHandle } from './runtime/generation.js';
export type { ManagerStatus, PluginStatusEntry, RetiredGenerationStatus } from './runtime/status.js';
export type { SuspectedLeak } from './runtime/leak-detector.js';
export type { ReloadEndMessage, ReloadKind, ReloadStartMessage } from './runtime/diagnostics.js';
export { DEFAULT_RELOAD_SIGNAL } from './runtime/signal.js';
export { MANIFEST_FORMAT, MANIFEST_SUFFIX, parseManifest } from './artifact/manifest.js';
export type { ExternalDependency, LiveNames, Manifest } from './artifact/manifest.js';
export { HOTSWAP_VERSION } from './version.js';
export { generateSigningKeys, keyIdOf, readSigningKey, signDocument, trustedKeySet, verifySignature } from './signing/index.js';
export type { Signature, SignedWhat, TrustedKey } from './signing/index.js';
export * from './errors.js';
