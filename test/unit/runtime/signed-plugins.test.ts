/**
 * A PluginManager with trusted keys loads only builds they signed (`hotswap build --sign`): every
 * other build is refused with a code naming the plugin, and the current generation keeps serving.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PluginManager } from '../../../src/index.js';
import { buildPlugins } from '../../../src/build/index.js';
import { generateSigningKeys } from '../../../src/signing/keys.js';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { recordingPlugin } from '../../helpers/plugin-source.js';
import { failed, ok } from '../../helpers/outcomes.js';
import { workspacePerTest } from '../../helpers/workspace.js';

const team = generateSigningKeys();
const other = generateSigningKeys();
const teamKey: KeyObject = createPrivateKey(team.privateKeyPem);
const otherKey: KeyObject = createPrivateKey(other.privateKeyPem);

describe('PluginManager trustedKeys', () => {
  const fx = workspacePerTest();

  /** Builds alpha with `tag`, signed with `key` (unsigned without one). */
  async function build(tag: string, key?: KeyObject): Promise<void> {
    await fx.ws.write('alpha', recordingPlugin('alpha', tag));
    await buildPlugins({ pluginDirs: [join(fx.ws.srcDir, 'alpha')], outDir: fx.ws.outDir, version: tag, signingKey: key });
  }

  function managerTrusting(keys: readonly string[]): PluginManager {
    fx.manager = new PluginManager({ pluginDir: fx.ws.outDir, freeDelay: 0, trustedKeys: keys });
    return fx.manager;
  }

  it('loads a signed build, and refuses an unsigned one at reload while the signed one keeps serving', async () => {
    await build('a1', teamKey);
    const m = managerTrusting([team.publicKeyPem]);
    ok(await m.load());
    assert.equal(m.invoke('alpha', 'version'), 'a1');
    await build('a2');
    const refused = failed(await m.reload());
    assert.equal(refused.error.code, 'HOTSWAP_ERR_SIGNATURE_MISSING');
    assert.equal(refused.stage, 'load');
    assert.equal(refused.plugin, 'alpha');
    assert.match(refused.error.message, /plugin "alpha" is not signed/);
    assert.equal(m.invoke('alpha', 'version'), 'a1');
  });

  it('refuses a build signed by a key it does not trust, naming the key', async () => {
    await build('a1', teamKey);
    const m = managerTrusting([team.publicKeyPem]);
    ok(await m.load());
    await build('a2', otherKey);
    const refused = failed(await m.reload());
    assert.equal(refused.error.code, 'HOTSWAP_ERR_SIGNATURE_UNTRUSTED');
    assert.match(refused.error.message, new RegExp(other.keyId));
    assert.equal(m.invoke('alpha', 'version'), 'a1');
  });

  it('refuses a manifest changed after signing, and an artifact changed after its manifest was signed', async () => {
    await build('a1', teamKey);
    const m = managerTrusting([team.publicKeyPem]);
    ok(await m.load());
    await build('a2', teamKey);
    const manifestFile = join(fx.ws.outDir, 'alpha.manifest.json');
    const signed = readFileSync(manifestFile, 'utf8');
    writeFileSync(manifestFile, signed.replace('"version": "a2"', '"version": "a2-forged"'));
    const forged = failed(await m.reload());
    assert.equal(forged.error.code, 'HOTSWAP_ERR_SIGNATURE_INVALID');
    assert.equal(forged.plugin, 'alpha');
    // The manifest as signed, over an artifact whose bytes changed: the signed sha256 no longer matches.
    writeFileSync(manifestFile, signed);
    const artifact = join(fx.ws.outDir, (JSON.parse(signed) as { artifact: string }).artifact);
    const bytes = readFileSync(artifact, 'utf8');
    assert.match(bytes, /(["'])a2\1/);
    writeFileSync(artifact, bytes.replace(/(["'])a2\1/g, '$1a2-evil$1'));
    const tampered = failed(await m.reload());
    assert.equal(tampered.error.code, 'HOTSWAP_ERR_HASH_MISMATCH');
    assert.equal(m.invoke('alpha', 'version'), 'a1');
  });

  it('trusts several keys at once, for a key rotation', async () => {
    await build('a1', teamKey);
    const m = managerTrusting([team.publicKeyPem, other.publicKeyPem]);
    ok(await m.load());
    await build('a2', otherKey);
    ok(await m.reload());
    assert.equal(m.invoke('alpha', 'version'), 'a2');
  });

  it('refuses a malformed signature field as an invalid manifest, before any code runs', async () => {
    await build('a1', teamKey);
    const manifestFile = join(fx.ws.outDir, 'alpha.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, signature: { algorithm: 'rsa', keyId: 'x', value: '!' } }));
    const refused = failed(await managerTrusting([team.publicKeyPem]).load());
    assert.equal(refused.error.code, 'HOTSWAP_ERR_MANIFEST_INVALID');
    assert.match(refused.error.message, /signature/);
  });

  it('refuses trusted keys that are not ed25519 public keys, when the manager is made', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    for (const keys of [[], ['not a key'], [rsa]]) {
      assert.throws(() => new PluginManager({ pluginDir: fx.ws.outDir, trustedKeys: keys }), { code: 'HOTSWAP_ERR_INVALID_ARGUMENT' }, JSON.stringify(keys).slice(0, 40));
    }
  });
});
