/**
 * ed25519 keys, through node:crypto: a key pair as PEM files (`hotswap keygen`), a signing key read
 * from its file, and the trusted public keys of a host, each known by its key id (the first 16 hex
 * digits of the sha256 of its SPKI DER), which a signature names.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, describe } from '../errors.js';

/** The files of the public keys `hotswap run --trusted-key` gives the program's hotfix engine (path-delimiter separated). */
export const TRUSTED_KEYS_ENV = 'HOTSWAP_TRUSTED_KEYS';

/**
 * A key file's text.
 * @throws InvalidArgumentError naming the file when it cannot be read
 */
export function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError('trusted key', `${file} cannot be read: ${describe(error)}`);
  }
}

/** A trusted key as a caller gives it: a PEM text (SPKI public key) or a KeyObject. */
export type TrustedKey = string | KeyObject;

/** A new key pair, both halves as PEM: the private key PKCS#8, the public key SPKI. */
export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyIdOf(publicKey),
  };
}

/** The id a signature names its key by. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/**
 * The signing key in a PEM file (`hotswap keygen`'s .key file).
 * @throws InvalidArgumentError naming the file when it cannot be read or is not an ed25519 private key
 */
export function readSigningKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new InvalidArgumentError('sign', `${file} is not a readable private key: ${describe(error)}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InvalidArgumentError('sign', `${file} is a ${key.asymmetricKeyType ?? 'symmetric'} key; hotswap signs with ed25519 keys (hotswap keygen)`);
  return key;
}

/**
 * The trusted public keys by key id.
 * @throws InvalidArgumentError for a key that is not an ed25519 public key (or an empty list)
 */
export function trustedKeySet(keys: readonly TrustedKey[], option = 'trustedKeys'): ReadonlyMap<string, KeyObject> {
  // Checked as unknown: callers in JavaScript may pass anything.
  const given: unknown = keys;
  if (!Array.isArray(given) || given.length === 0) throw new InvalidArgumentError(option, 'give at least one public key (PEM text or KeyObject), or leave the option out');
  const set = new Map<string, KeyObject>();
  keys.forEach((entry, index) => {
    let key: KeyObject;
    try {
      key = typeof entry === 'string' || entry.type === 'private' ? createPublicKey(entry) : entry;
    } catch (error) {
      throw new InvalidArgumentError(option, `key ${index} is not a public key: ${describe(error)}`);
    }
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new InvalidArgumentError(option, `key ${index} is not an ed25519 public key`);
    set.set(keyIdOf(key), key);
  });
  return set;
}
