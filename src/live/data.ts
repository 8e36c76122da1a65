/**
 * Live data: plain, serialisable values that may safely cross from one plugin version to the next
 * (job payloads, snapshots, the data bag). Anything that carries code (a function, a class instance
 * whose prototype belongs to a plugin version, a symbol) would keep that version alive, so it is
 * refused, with the path of the offender.
 *
 * This file is bundled into plugins (through `hotswap/plugin`): it imports nothing of the host side.
 */
import { LiveDataInvalidError, LiveTypeMismatchError } from '../errors.js';

/** The tag `live.wrap` puts on an instance's fields. */
export const LIVE_TYPE_TAG = '$liveType';

/** What `live.wrap` returns: the instance's own fields, plain, tagged with its class name. */
export interface LiveData {
  readonly [LIVE_TYPE_TAG]: string;
  readonly fields: Record<string, unknown>;
}

export interface CheckOptions {
  /** Nesting deeper than this is refused (it is usually a cycle). @default 64 */
  readonly maxDepth?: number;
}

/** Constructors of the host realm whose instances hold no plugin code and clone structurally. */
const ALLOWED_BUILTINS: readonly (abstract new (...args: never[]) => unknown)[] = [Date, RegExp, Map, Set, ArrayBuffer, DataView];

function isTypedArray(value: object): boolean {
  return ArrayBuffer.isView(value);
}

/**
 * Throws LiveDataInvalidError unless `value` is plain data: primitives (no symbols), arrays, plain
 * objects (prototype Object.prototype or null), and Date, RegExp, Map, Set, ArrayBuffer, typed
 * arrays, all checked recursively.
 */
export function check(value: unknown, options: CheckOptions = {}): void {
  walk(value, '$', 0, options.maxDepth ?? 64, new Set());
}

function walk(value: unknown, path: string, depth: number, maxDepth: number, stack: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'symbol':
      throw new LiveDataInvalidError(path, 'a symbol');
    case 'function':
      throw new LiveDataInvalidError(path, `a function${value.name ? ` (${value.name})` : ''}`);
  }
  if (value === null) return;
  const object = value as object;
  if (depth >= maxDepth) throw new LiveDataInvalidError(path, `nested deeper than ${maxDepth} levels`);
  if (stack.has(object)) throw new LiveDataInvalidError(path, 'a cycle back to an enclosing value');
  stack.add(object);
  try {
    walkObject(object, path, depth, maxDepth, stack);
  } finally {
    stack.delete(object);
  }
}

function walkObject(object: object, path: string, depth: number, maxDepth: number, stack: Set<object>): void {
  const next = depth + 1;
  if (Array.isArray(object)) {
    object.forEach((item, i) => walk(item, `${path}[${i}]`, next, maxDepth, stack));
    return;
  }
  if (object instanceof Map) {
    for (const [key, item] of object) {
      walk(key, `${path}<key ${String(key)}>`, next, maxDepth, stack);
      walk(item, `${path}.get(${JSON.stringify(key) ?? String(key)})`, next, maxDepth, stack);
    }
    return;
  }
  if (object instanceof Set) {
    let i = 0;
    for (const item of object) walk(item, `${path}<item ${i++}>`, next, maxDepth, stack);
    return;
  }
  if (isTypedArray(object) || ALLOWED_BUILTINS.some((Builtin) => object instanceof Builtin)) return;
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const name = (object.constructor as { name?: string } | undefined)?.name ?? 'anonymous';
    throw new LiveDataInvalidError(path, `an instance of class ${name} (use live.wrap for live types)`);
  }
  for (const key of Reflect.ownKeys(object)) {
    if (typeof key === 'symbol') throw new LiveDataInvalidError(`${path}[${String(key)}]`, 'a symbol key');
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (descriptor?.get !== undefined || descriptor?.set !== undefined) {
      throw new LiveDataInvalidError(`${path}.${key}`, 'an accessor (getter/setter)');
    }
    walk(descriptor?.value, `${path}.${key}`, next, maxDepth, stack);
  }
}

/**
 * Turns an instance of a live type into plain data: its own enumerable fields (checked) tagged with
 * its class name. Store the result in jobs, snapshots or the data bag; `unwrap` it with the class
 * of whatever version is current then.
 */
export function wrap(instance: object): LiveData {
  const type = (instance.constructor as { name?: string } | undefined)?.name;
  if (type === undefined || type === '' || type === 'Object') {
    throw new LiveDataInvalidError('$', 'live.wrap takes an instance of a live type (an exported class)');
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(instance)) {
    check(value);
    fields[key] = value;
  }
  return { [LIVE_TYPE_TAG]: type, fields };
}

/** Whether `value` looks like the result of `wrap`. */
export function isLiveData(value: unknown): value is LiveData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[LIVE_TYPE_TAG] === 'string' &&
    typeof (value as Record<string, unknown>).fields === 'object'
  );
}

/**
 * Rebuilds an instance of `Type` (the class of the version current now) from wrapped data.
 * The instance is made with `new Type()` so fields added since have their defaults; fields the
 * class no longer initialises are dropped (when its constructor initialises any field at all).
 * Data wrapped from a class of another name is refused.
 */
export function unwrap<T extends object>(data: unknown, Type: new () => T): T {
  if (!isLiveData(data)) throw new LiveDataInvalidError('$', 'not live data made by live.wrap');
  if (data[LIVE_TYPE_TAG] !== Type.name) throw new LiveTypeMismatchError(Type.name, data[LIVE_TYPE_TAG]);
  const instance = new Type();
  const known = Object.keys(instance);
  for (const [key, value] of Object.entries(data.fields)) {
    if (known.length > 0 && !known.includes(key)) continue; // a field this version removed
    (instance as Record<string, unknown>)[key] = value;
  }
  return instance;
}
