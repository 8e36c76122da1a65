import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, generateSigningKeys, signDocument, trustedKeySet, verifySignature } from '../../src/signing/index.js';

describe('signing', () => {
  it('writes the same canonical JSON whatever the key order and formatting', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'é' }, u: undefined }), '{"a":{"c":"é","d":[1,{"x":1,"y":2}]},"b":1}');
    assert.equal(canonicalJson(JSON.parse('{ "z": null,\n  "a": true }')), '{"a":true,"z":null}');
  });

  it('verifies a document however it was written back, and names what is wrong with one that was changed', () => {
    const keys = generateSigningKeys();
    const trusted = trustedKeySet([keys.publicKeyPem]);
    const signed = signDocument({ version: 'v1', files: [{ file: 'a.js', source: 'x' }] }, createPrivateKey(keys.privateKeyPem));
    assert.equal(signed.signature.keyId, keys.keyId);
    const reread = JSON.parse(JSON.stringify(signed, null, 4)) as object;
    assert.doesNotThrow(() => verifySignature(reread, trusted, { kind: 'patch', name: 'v1' }));
    const resigned = signDocument(signed, createPrivateKey(keys.privateKeyPem));
    assert.equal(resigned.signature.value, signed.signature.value, 'signing again replaces the signature, it is not signed itself');
    assert.throws(() => verifySignature({ ...signed, version: 'v2' }, trusted, { kind: 'patch', name: 'v2' }), { code: 'HOTSWAP_ERR_SIGNATURE_INVALID' });
    assert.throws(() => verifySignature({ ...signed, signature: { ...signed.signature, value: 'AAAA' } }, trusted, { kind: 'patch', name: 'v1' }), { code: 'HOTSWAP_ERR_SIGNATURE_INVALID' });
    assert.throws(() => verifySignature({ ...signed, signature: 'yes' }, trusted, { kind: 'patch', name: 'v1' }), { code: 'HOTSWAP_ERR_SIGNATURE_INVALID' });
  });
});
