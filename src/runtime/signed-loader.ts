/**
 * A manager with trusted keys loads only what they signed: every artifact goes through this loader,
 * which checks its manifest's signature (the manifest holds the artifact's sha256, which the loader
 * underneath checks against the bytes) before a byte of it runs. Kept generations (rollback) go
 * through it too, so a rollback cannot bring back an unsigned build either.
 */
import type { KeyObject } from 'node:crypto';
import type { Manifest } from '../artifact/manifest.js';
import { verifySignature } from '../signing/signature.js';
import type { ArtifactLoader, LoadedArtifact, LoadOptions } from './loader.js';

/** `loader`, checking signatures first when there are trusted keys (as it is without). */
export function signedOnly(loader: ArtifactLoader, trusted: ReadonlyMap<string, KeyObject> | undefined): ArtifactLoader {
  if (trusted === undefined) return loader;
  return {
    async load(manifest: Manifest, dir: string, options?: LoadOptions): Promise<LoadedArtifact> {
      verifySignature(manifest, trusted, { kind: 'plugin', name: manifest.name });
      return loader.load(manifest, dir, options);
    },
  };
}
