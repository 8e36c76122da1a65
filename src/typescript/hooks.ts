/**
 * Module customization hooks (`module.register`) that run .ts files: resolve `./x.js` to `./x.ts`
 * when only the .ts exists (the TypeScript `nodenext` convention), and load .ts/.mts/.tsx as ES
 * modules transformed by `transformTypeScript`; ES modules of the app, .ts or .js, are instrumented
 * for redirection (../hotfix/redirect). They run on Node's loader thread.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { instrumentForLoader, redirectOptionsFromEnv, shouldInstrument } from '../hotfix/redirect/loader.js';
import { transformTypeScript } from './transform.js';

type Resolve = (specifier: string, context: unknown) => Promise<{ url: string; format?: string | null }>;
type Load = (url: string, context: unknown) => Promise<{ format: string; source?: string | Buffer | null; shortCircuit?: boolean }>;

const TS_FILE = /\.(m?ts|tsx)$/;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve) {
  try {
    return await next(specifier, context);
  } catch (error) {
    // `import './util.js'` written for TypeScript's nodenext resolution, with only util.ts on disk.
    if (context.parentURL !== undefined && /^\.{1,2}\//.test(specifier) && /\.m?js$/.test(specifier)) {
      const candidate = new URL(specifier.replace(/\.(m?)js$/, '.$1ts'), context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
    }
    throw error;
  }
}

const redirect = redirectOptionsFromEnv();

export async function load(url: string, context: unknown, next: Load) {
  if (!url.startsWith('file:')) return next(url, context);
  const file = fileURLToPath(url);
  const instrumented = shouldInstrument(file, redirect);
  if (TS_FILE.test(new URL(url).pathname)) {
    const source = await readFile(file, 'utf8');
    const { code } = transformTypeScript(source, file);
    return { format: 'module', source: instrumented ? instrumentForLoader(file, source, code, 'module') : code, shortCircuit: true };
  }
  const result = await next(url, context);
  // CommonJS is instrumented where it is compiled (redirect/cjs-hook.ts), on every Node version alike.
  if (!instrumented || result.format !== 'module' || result.source === undefined || result.source === null) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8');
  return { ...result, source: instrumentForLoader(file, source, source, 'module') };
}
