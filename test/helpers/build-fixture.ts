/**
 * Temp directories and plugin directories for tests of the builder and the runtime. Every test
 * that makes a temp dir removes it (`cleanup`, usually through `t.after`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ARTIFACT_PARAMETERS } from '../../src/artifact/format.js';

export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it; safe to call twice. */
  readonly cleanup: () => void;
}

export function makeTempDir(prefix = 'hotswap-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup: () => rmSync(path, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/**
 * Writes a plugin directory `parentDir/name` with `files` (paths relative to it, `/`-separated,
 * sub-folders created) and returns its path. Existing files are overwritten, so a test can call it
 * again to change a plugin.
 */
export function writePlugin(parentDir: string, name: string, files: Record<string, string>): string {
  const dir = join(parentDir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, ...file.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}

/**
 * Compiles an artifact the way the runtime does (`new Function` + `//# sourceURL`) and returns its
 * `module.exports`; `require` resolves from the artifact's own directory.
 */
export function evaluateArtifact(artifactPath: string, sourceURL: string = artifactPath): Record<string, unknown> {
  const text = readFileSync(artifactPath, 'utf8');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- this is the artifact format
  const body = new Function(...ARTIFACT_PARAMETERS, `${text}\n//# sourceURL=${sourceURL}`);
  const module = { exports: {} as Record<string, unknown> };
  body(module, module.exports, createRequire(artifactPath), sourceURL, dirname(sourceURL));
  return module.exports;
}

/** sha256 of a file's bytes, hex. */
export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
