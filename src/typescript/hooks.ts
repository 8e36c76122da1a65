/**
 * Module customization hooks that run .ts files: resolve `./x.js` to `./x.ts` when only the .ts
 * exists (the TypeScript `nodenext` convention), and load .ts/.mts/.tsx as ES modules transformed by
 * `transformTypeScript`; ES modules of the app, .ts or .js, are instrumented for redirection
 * (../hotfix/redirect). Two forms of the same hooks: asynchronous ones for `module.register` (Node
 * 20, on the loader's thread) and synchronous ones for `module.registerHooks` (Node 22.15+, in the
 * thread itself; Node 26 deprecates `module.register`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { instrumentForLoader, redirectOptionsFromEnv, shouldInstrument } from '../hotfix/redirect/loader.js';

type Transform = typeof import('./transform.js');

// esbuild (about 40 ms to load) only once a .ts file comes: a JavaScript app never loads it. The
// synchronous hooks run where Node can require an ES module (22.12+), so they require it.
let transform: Transform | undefined;
const requireTransform = (): Transform => (transform ??= createRequire(import.meta.url)('./transform.js') as Transform);
const importTransform = async (): Promise<Transform> => (transform ??= await import('./transform.js'));

interface Resolved {
  url: string;
  format?: string | null | undefined;
  shortCircuit?: boolean;
}
interface Loaded {
  format: string | null | undefined;
  source?: string | ArrayBuffer | NodeJS.TypedArray | null | undefined;
  shortCircuit?: boolean;
}
type Resolve = (specifier: string, context: unknown) => Promise<Resolved>;
type Load = (url: string, context: unknown) => Promise<Loaded>;
type ResolveSync = (specifier: string, context: unknown) => Resolved;
type LoadSync = (url: string, context: unknown) => Loaded;

const TS_FILE = /\.(m?ts|tsx)$/;
const redirect = redirectOptionsFromEnv();

/** `import './util.js'` written for TypeScript's nodenext resolution, with only util.ts on disk. */
function typeScriptFallback(specifier: string, context: { parentURL?: string }, error: unknown): Resolved {
  if (context.parentURL !== undefined && /^\.{1,2}\//.test(specifier) && /\.m?js$/.test(specifier)) {
    const candidate = new URL(specifier.replace(/\.(m?)js$/, '.$1ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  throw error;
}

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve): Promise<Resolved> {
  try {
    return await next(specifier, context);
  } catch (error) {
    return typeScriptFallback(specifier, context, error);
  }
}

export function resolveSync(specifier: string, context: { parentURL?: string }, next: ResolveSync): Resolved {
  try {
    return next(specifier, context);
  } catch (error) {
    return typeScriptFallback(specifier, context, error);
  }
}

/** A .ts file, transformed (and instrumented): what both forms return for one. */
function loadTypeScript(file: string, { transformTypeScript }: Transform): Loaded {
  const source = readFileSync(file, 'utf8');
  const { code } = transformTypeScript(source, file);
  return { format: 'module', source: shouldInstrument(file, redirect) ? instrumentForLoader(file, source, code, 'module') : code, shortCircuit: true };
}

/** What the next loader gave, instrumented when it is an ES module of the app. */
function instrumented(file: string, result: Loaded): Loaded {
  // CommonJS is instrumented where it is compiled (redirect/cjs-hook.ts), on every Node version alike.
  if (result.format !== 'module' || result.source === undefined || result.source === null || !shouldInstrument(file, redirect)) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  return { ...result, source: instrumentForLoader(file, source, source, 'module') };
}

export async function load(url: string, context: unknown, next: Load): Promise<Loaded> {
  if (!url.startsWith('file:')) return next(url, context);
  const file = fileURLToPath(url);
  if (TS_FILE.test(new URL(url).pathname)) return loadTypeScript(file, await importTransform());
  return instrumented(file, await next(url, context));
}

export function loadSync(url: string, context: unknown, next: LoadSync): Loaded {
  if (!url.startsWith('file:')) return next(url, context);
  const file = fileURLToPath(url);
  if (TS_FILE.test(new URL(url).pathname)) return loadTypeScript(file, requireTransform());
  return instrumented(file, next(url, context));
}
