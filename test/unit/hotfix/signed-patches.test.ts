/**
 * A hotfix engine with trusted keys applies only patches they signed (`hotswap hotfix build
 * --sign`); every other patch is refused, naming the patch, with the running code unchanged.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha256 } from '../../../src/hotfix/source.js';
import type { Patch } from '../../../src/hotfix/types.js';
import { generateSigningKeys } from '../../../src/signing/keys.js';
import { signDocument } from '../../../src/signing/signature.js';
import { installRedirectLoader } from '../../helpers/redirect-loader.js';
import { TEST_MS } from '../../helpers/timeout.js';
import { useWorkspace } from './fixtures.js';

await installRedirectLoader();

const team = generateSigningKeys();
const other = generateSigningKeys();

describe('hotfix engine trustedKeys', { timeout: TEST_MS }, () => {
  const ws = useWorkspace({ trustedKeys: [team.publicKeyPem] });

  it('applies a signed patch and refuses an unsigned, a foreign-signed and a changed one, the code unchanged', async () => {
    const v1 = 'export function f(x) { return x + 1; }\n';
    const { path, module } = await ws.dir.load(ws.dir.fresh('signed', 'esm'), v1);
    const patch = (version: string, body: string): Patch => ({ version, files: [{ file: path, baseHash: sha256(v1), source: v1.replace('x + 1', body) }] });

    const unsigned = await ws.engine.apply(patch('p-unsigned', 'x + 2'));
    assert.equal(unsigned.ok ? '' : unsigned.error.code, 'HOTSWAP_ERR_SIGNATURE_MISSING');
    assert.match(unsigned.ok ? '' : unsigned.error.message, /patch p-unsigned is not signed/);

    const foreign = await ws.engine.apply(signDocument(patch('p-foreign', 'x + 3'), createPrivateKey(other.privateKeyPem)));
    assert.equal(foreign.ok ? '' : foreign.error.code, 'HOTSWAP_ERR_SIGNATURE_UNTRUSTED');

    const signed = signDocument(patch('p-signed', 'x + 4'), createPrivateKey(team.privateKeyPem));
    const changed = { ...signed, files: [{ ...signed.files[0], source: v1.replace('x + 1', 'x + 666') }] } as Patch;
    const tampered = await ws.engine.apply(changed);
    assert.equal(tampered.ok ? '' : tampered.error.code, 'HOTSWAP_ERR_SIGNATURE_INVALID');
    assert.equal(module.f(0), 1, 'no refused patch changed the code');

    const applied = await ws.engine.apply(JSON.parse(JSON.stringify(signed)) as Patch);
    assert.ok(applied.ok, applied.ok ? '' : applied.error.message);
    assert.equal(module.f(0), 4);
    assert.ok((await ws.engine.revert('p-signed')).ok, 'a revert needs no signature');
  });
});
