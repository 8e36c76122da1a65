/**
 * Signing what hotswap ships (a plugin's manifest, which holds its artifact's sha256; a hotfix patch)
 * and checking it where it is applied. A signature covers the canonical JSON of the document
 * without its `signature` field (canonical.ts), with ed25519 (node:crypto, no cryptography of our
 * own). A host with trusted keys refuses a document that is unsigned, signed by a key it does not
 * trust, or changed after signing, with an error naming what was refused.
 */
import { createPublicKey, sign as signBytes, verify as verifyBytes, type KeyObject } from 'node:crypto';
import { SignatureInvalidError, SignatureMissingError, SignatureUntrustedError } from '../errors.js';
import { canonicalJson } from './canonical.js';
import { keyIdOf } from './keys.js';

export interface Signature {
  readonly algorithm: 'ed25519';
  /** The signing key's id (keys.ts keyIdOf). */
  readonly keyId: string;
  /** The signature, base64. */
  readonly value: string;
}

/** What was signed, for messages: `plugin "greeter"`, `patch v7`. */
export interface SignedWhat {
  readonly kind: 'plugin' | 'patch' | 'release';
  readonly name: string;
}

const KEY_ID = /^[0-9a-f]{16}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether a value has a signature's shape (a parser's check; the signature itself is checked by verifySignature). */
export function isSignature(value: unknown): value is Signature {
  const s = value as Record<string, unknown> | null;
  return typeof s === 'object' && s !== null && s['algorithm'] === 'ed25519' && typeof s['keyId'] === 'string' && KEY_ID.test(s['keyId']) && typeof s['value'] === 'string' && BASE64.test(s['value']);
}

/** The document with its signature: `document` must not have one (it would be replaced). */
export function signDocument<T extends object>(document: T, privateKey: KeyObject): T & { readonly signature: Signature } {
  const { signature: _ignored, ...unsigned } = document as T & { signature?: unknown };
  const value = signBytes(null, Buffer.from(canonicalJson(unsigned)), privateKey).toString('base64');
  // The public half names the key: derived from the private key, so the two cannot disagree.
  return { ...(unsigned as T), signature: { algorithm: 'ed25519', keyId: keyIdOf(createPublicKey(privateKey)), value } };
}

/**
 * Checks `document`'s signature against the trusted keys.
 * @throws SignatureMissingError, SignatureUntrustedError or SignatureInvalidError, naming `what`
 */
export function verifySignature(document: object, trusted: ReadonlyMap<string, KeyObject>, what: SignedWhat): void {
  const { signature, ...unsigned } = document as { signature?: unknown };
  if (signature === undefined) throw new SignatureMissingError(what.kind, what.name);
  if (!isSignature(signature)) throw new SignatureInvalidError(what.kind, what.name, 'its signature field is malformed');
  const key = trusted.get(signature.keyId);
  if (key === undefined) throw new SignatureUntrustedError(what.kind, what.name, signature.keyId);
  const valid = verifyBytes(null, Buffer.from(canonicalJson(unsigned)), key, Buffer.from(signature.value, 'base64'));
  if (!valid) throw new SignatureInvalidError(what.kind, what.name, `it was changed after key ${signature.keyId} signed it`);
}
