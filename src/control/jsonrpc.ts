/**
 * JSON-RPC 2.0 as the control connection speaks it: requests checked field by field before
 * anything runs, and every failure answered as a JSON-RPC error whose `data.code` is the
 * `HOTSWAP_ERR_*` code (the JSON-RPC `code` says the class of failure, as the spec numbers it).
 */
import { ControlInternalError, ControlMalformedError, isHotswapError, type HotswapErrorCode } from '../errors.js';

/** The control protocol's version: a client of another version is refused at `hello`. */
export const CONTROL_PROTOCOL = 1;

export type RequestId = string | number;

export interface Request {
  readonly id: RequestId;
  readonly method: string;
  /** Named parameters only (an object), or none. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** A request sent without an id: nothing is answered (JSON-RPC calls it a notification). */
export interface Notification {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface ErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: { readonly code: string; readonly [key: string]: unknown };
}

export type Response =
  | { readonly jsonrpc: '2.0'; readonly id: RequestId | null; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: RequestId | null; readonly error: ErrorObject };

/** The numbers JSON-RPC 2.0 gives each class of failure. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined server errors: the operation ran and failed (or was refused). */
  operationFailed: -32000,
} as const;

export function errorResponse(id: RequestId | null, rpcCode: number, code: HotswapErrorCode, message: string, extra: Record<string, unknown> = {}): Response {
  return { jsonrpc: '2.0', id, error: { code: rpcCode, message, data: { code, ...extra } } };
}

export function resultResponse(id: RequestId, result: unknown): Response {
  return { jsonrpc: '2.0', id, result };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What a decoded frame asks for.
 * @returns the request or notification, or the error response to send (with the id, when one could be read)
 */
export function readRequest(message: unknown): { request: Request } | { notification: Notification } | { error: Response } {
  const invalid = (id: RequestId | null, detail: string): { error: Response } => ({
    error: errorResponse(id, RPC.invalidRequest, 'HOTSWAP_ERR_CONTROL_MALFORMED', new ControlMalformedError(detail).message),
  });
  if (!isRecord(message)) return invalid(null, 'a request must be a JSON object (batches are not supported)');
  const rawId = message['id'];
  const id = typeof rawId === 'string' || (typeof rawId === 'number' && Number.isFinite(rawId)) ? rawId : null;
  if (message['jsonrpc'] !== '2.0') return invalid(id, '"jsonrpc" must be "2.0"');
  if (rawId !== undefined && id === null) return invalid(null, '"id" must be a string or a finite number');
  const method = message['method'];
  if (typeof method !== 'string' || method === '') return invalid(id, '"method" must be a non-empty string');
  const rawParams = message['params'];
  if (rawParams !== undefined && !isRecord(rawParams)) return invalid(id, '"params" must be an object of named parameters');
  const params = rawParams ?? {};
  return id === null ? { notification: { method, params } } : { request: { id, method, params } };
}

/** The error response for what `method` threw: a coded hotswap error as itself, anything else as internal. */
export function thrownResponse(id: RequestId, method: string, thrown: unknown): Response {
  if (isHotswapError(thrown)) {
    const rpcCode = thrown.code === 'HOTSWAP_ERR_INVALID_ARGUMENT' ? RPC.invalidParams : RPC.operationFailed;
    return errorResponse(id, rpcCode, thrown.code, thrown.message);
  }
  return errorResponse(id, RPC.internalError, 'HOTSWAP_ERR_CONTROL_INTERNAL', new ControlInternalError(method, thrown).message);
}
