/**
 * Plugin types without generics spelled out. Most of this file is checked by the compiler (the
 * project compiles with `module: nodenext`): `expectType<Equal<A, B>>()` fails the build when an
 * inferred type is not the one expected, and each `@ts-expect-error` fails it when the misuse
 * below it is accepted. The tests at the end check the runtime side: `withTypes` returns the same
 * branded definition, and a host's typed `find` calls the loaded plugin.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { PluginManager, type ExportsOf, type FunctionsOf, type Vault } from '../../src/index.js';
import { definePlugin, isPluginDefinition } from '../../src/plugin/index.js';
import { Workspace } from '../helpers/workspace.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

// Inferred from the definition: functions and exports (an async export is awaited).
const alpha = definePlugin({
  export: () => Promise.resolve({ greet: (name: string): string => `hello, ${name}`, count: 1 }),
  functions: { greet: (name: string): string => `hello, ${name}`, add: (a: number, b: number): number => a + b },
});
expectType<Equal<ExportsOf<typeof alpha>, { greet: (name: string) => string; count: number }>>();
expectType<Equal<FunctionsOf<typeof alpha>, { greet: (name: string) => string; add: (a: number, b: number) => number }>>();
const plain = definePlugin({ functions: {} });
expectType<Equal<ExportsOf<typeof plain>, unknown>>(); // no export(): importers get nothing they may use

interface ChatExtension {
  say?: (text: string) => string;
}

// The types a definition cannot tell, given once; functions and exports still inferred.
const beta = definePlugin.withTypes<{ extension: ChatExtension; deps: { alpha: ExportsOf<typeof alpha> } }>()({
  import: ['alpha'],
  onInit(vault, ctx) {
    expectType<Equal<typeof vault, Vault<ChatExtension>>>();
    vault.extension.say = (text) => ctx.deps.alpha.greet(text);
    // @ts-expect-error alpha exports no `shout`
    ctx.deps.alpha.shout('x');
    // @ts-expect-error the extension's `say` takes a string
    vault.extension.say = (text: number) => String(text);
  },
  export: () => ({ twice: (n: number) => n * 2 }),
  functions: { count: (): number => 2 },
});
expectType<Equal<ExportsOf<typeof beta>, { twice: (n: number) => number }>>();
expectType<Equal<FunctionsOf<typeof beta>, { count: () => number }>>();

// Exports given as a type: the definition is typed from it (parameters need no annotation).
interface GammaExports {
  readonly greet: (name: string) => string;
}
const gamma = definePlugin.withTypes<{ exports: GammaExports }>()({
  export: () => ({ greet: (name) => name.toUpperCase() }),
});
expectType<Equal<ExportsOf<typeof gamma>, GammaExports>>();
definePlugin.withTypes<{ exports: GammaExports }>()({
  // @ts-expect-error greet must return a string
  export: () => ({ greet: (name: string) => name.length }),
});

/** A host's view: `find<typeof plugin>` types the functions; without it they are untyped. */
function hostCalls(manager: PluginManager): void {
  const handle = manager.find<typeof alpha>('alpha');
  expectType<Equal<ReturnType<typeof handle.functions.add>, number>>();
  // @ts-expect-error add takes numbers
  handle.functions.add('1', 2);
  // @ts-expect-error alpha has no function `missing`
  handle.functions.missing?.();
  const _untyped = manager.find('alpha').functions;
  expectType<Equal<typeof _untyped, Readonly<Record<string, (...args: never[]) => unknown>>>>();
}

describe('plugin types at run time', () => {
  let ws: Workspace | undefined;
  let manager: PluginManager | undefined;
  afterEach(async () => {
    await manager?.close();
    await ws?.dispose();
  });

  it('withTypes returns the definition itself, branded like definePlugin', () => {
    const definition = { functions: { a: () => 1 } };
    const defined = definePlugin.withTypes<{ extension: ChatExtension }>()(definition);
    assert.equal(defined, definition);
    assert.ok(isPluginDefinition(defined));
    assert.ok([alpha, beta, gamma, plain].every(isPluginDefinition));
  });

  it('a host calls a built plugin through find<typeof plugin>', async () => {
    ws = await Workspace.create();
    await ws.plugin('alpha', "import { definePlugin } from 'hotswap/plugin';\nexport default definePlugin.withTypes<{ deps: Record<string, never> }>()({ functions: { add: (a: number, b: number): number => a + b, greet: (name: string): string => 'hello, ' + name } });\n", 'v1');
    manager = new PluginManager({ pluginDir: ws.outDir, freeDelay: 0 });
    assert.ok((await manager.load()).ok);
    hostCalls(manager);
    assert.equal(manager.find<typeof alpha>('alpha').functions.add(2, 3), 5);
  });
});
