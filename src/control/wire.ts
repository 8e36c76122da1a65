/**
 * What crosses the control socket: outcomes as plain JSON. The engines' outcomes hold errors, which
 * `JSON.stringify` would write as `{}`; here an error becomes its name, code, message and the other
 * fields it carries (`plugin`, `file`), and its cause, the same way.
 */
export interface WireError {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly [field: string]: unknown;
}

function errorToWire(error: Error, depth: number): WireError {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) fields[key] = toWire(value, depth + 1);
  const code = (error as { code?: unknown }).code;
  return {
    ...fields,
    name: error.name,
    code: typeof code === 'string' ? code : undefined,
    message: error.message,
    ...(error.cause === undefined || depth > 3 ? {} : { cause: toWire(error.cause, depth + 1) }),
  };
}

/** `value` with every error in it made plain (deep), ready for JSON. */
export function toWire(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return errorToWire(value, depth);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => toWire(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toWire(item, depth + 1);
  return out;
}
