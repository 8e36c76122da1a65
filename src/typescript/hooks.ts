/**
 * Module customization hooks (`module.register`) that run .ts files: resolve `./x.js` to `./x.ts`
 * when only the .ts exists (the TypeScript `nodenext` convention), and load .ts/.mts/.tsx as ES
 * modules transformed by `transformTypeScript`. They run on Node's loader thread.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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

export async function load(url: string, context: unknown, next: Load) {
  if (!url.startsWith('file:') || !TS_FILE.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  const { code } = transformTypeScript(await readFile(file, 'utf8'), file);
  return { format: 'module', source: code, shortCircuit: true };
}
