import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { HOTSWAP_VERSION } from '../../src/index.js';

it('HOTSWAP_VERSION is the version in package.json', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(HOTSWAP_VERSION, pkg.version);
});
