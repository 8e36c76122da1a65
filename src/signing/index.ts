/** Signed artifacts and patches: keys, signing, checking (see signature.ts). */
export { canonicalJson } from './canonical.js';
export { generateSigningKeys, keyIdOf, readSigningKey, trustedKeySet, type TrustedKey } from './keys.js';
export { isSignature, signDocument, verifySignature, type Signature, type SignedWhat } from './signature.js';
