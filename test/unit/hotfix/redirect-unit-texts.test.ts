/**
 * What a redirected patch compiles, per function: its text and its map hold the function's own
 * lines, not the file's (every compiled text stays alive while its function can run, and Node keeps
 * every map it is given: a text as long as the file cost megabytes per save of a big module).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode } from '@jridgewell/sourcemap-codec';
import { planRedirect } from '../../../src/hotfix/redirect/plan.js';
import { sha256 } from '../../../src/hotfix/source.js';
import { inlinePayload, sourceMappingUrl } from '../../../src/source-map/payload.js';

const FILLERS = 2000;
const filler = Array.from({ length: FILLERS }, (_, i) => `export function filler${i}(n: number): number {\n  return n + ${i};\n}\n`).join('');

async function plannedTexts(path: string, loaded: string, source: string) {
  const planned = await planRedirect({ file: path, path, sourceType: 'module', loaded, state: undefined, version: 'v2', baseHash: sha256(loaded), source, scope: undefined });
  assert.ok(planned.ok, planned.ok ? '' : JSON.stringify(planned));
  return planned.texts;
}

describe('redirected texts', () => {
  it('gives each function of a TypeScript file a text and a map of its own lines, whatever the file\'s length', async () => {
    const loaded = `${filler}export function last(n: number): number {\n  return n;\n}\n`;
    const source = `${filler}function helper(n: number): number {\n  return n * 2;\n}\nexport function last(n: number): number {\n  return helper(n);\n}\n`;
    const texts = await plannedTexts('/app/long.ts', loaded, source);
    assert.equal(texts.units.length, 1);
    const unit = texts.units[0];
    assert.ok(unit !== undefined);
    assert.ok(unit.expression.split('\n').length <= 4, unit.expression);
    const lineOf = (start: string): number => source.split('\n').findIndex((line) => line.startsWith(start));
    for (const [comment, fileLine] of [[unit.sourceMapComment, lineOf('export function last')], [texts.helperSourceMapComment, lineOf('function helper')]] as const) {
      assert.ok(comment !== undefined);
      const payload = inlinePayload(sourceMappingUrl(comment) ?? '');
      assert.ok(payload !== undefined);
      assert.equal(payload.sourcesContent, undefined);
      const lines = decode(payload.mappings);
      assert.ok(lines.length <= 4, `${lines.length} lines of map`);
      // The text's second line is the function's first, at the .ts file's line (0-based in maps).
      assert.ok(lines[1]?.some((segment) => segment[2] === fileLine), JSON.stringify(lines));
    }
    assert.ok(texts.helperText.split('\n').length <= 4, texts.helperText);
    assert.ok(texts.helperText.length < 200, `${texts.helperText.length} characters of helper text`);
  });

  it('lines a plain JavaScript file\'s texts up with the file, which has no map to say where they are', async () => {
    const js = filler.replace(/: number/g, '');
    const loaded = `${js}export function last(n) {\n  return n;\n}\n`;
    const texts = await plannedTexts('/app/long.mjs', loaded, loaded.replace('return n;\n}\n', 'return n + 1;\n}\n'));
    const unit = texts.units[0];
    assert.ok(unit !== undefined);
    assert.equal(unit.sourceMapComment, undefined);
    assert.equal(unit.expression.split('\n').length - 1, 3 * FILLERS + 2);
  });
});
