/**
 * Instruments CommonJS modules as they are compiled, in the thread that requires them: Node's
 * module customization hooks do not see `require` on Node 20, so the one place every CommonJS
 * module passes through on every supported version, `Module.prototype._compile`, is wrapped.
 */
import Module from 'node:module';
import { instrumentForLoader, shouldInstrument, type RedirectLoaderOptions } from './loader.js';

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

const INSTALLED = Symbol.for('hotswap.redirect.cjs');

export function installCommonJsHook(options: RedirectLoaderOptions): void {
  const proto = (Module as unknown as { prototype: Record<string | symbol, unknown> }).prototype;
  if (!options.enabled || proto[INSTALLED] === true) return;
  const original = proto['_compile'] as Compile;
  proto[INSTALLED] = true;
  proto['_compile'] = function (this: unknown, content: string, filename: string, ...rest: unknown[]) {
    if (typeof content === 'string' && typeof filename === 'string' && /\.c?js$/.test(filename) && shouldInstrument(filename, options)) {
      // Hashed as given: if another loader changed the file's text, the runtime finds the file
      // differs and the module cannot be patched by redirection (it says so when a patch comes).
      content = instrumentForLoader(filename, content, content, 'script');
    }
    return original.call(this, content, filename, ...rest);
  };
}
