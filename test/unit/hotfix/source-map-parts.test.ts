/**
 * The parts behind source maps after a patch: which text of the patched script is which text of
 * the running and the new source (correspondence.ts), and reading the maps patches carry (payload.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFile } from '../../../src/hotfix/planner/index.js';
import { correspondence } from '../../../src/hotfix/source-map/correspondence.js';
import { inlinePayload, parsePayload, sourceMappingUrl, withAbsoluteSources } from '../../../src/source-map/payload.js';

const running = ['function a() {', '  return 1;', '}', 'function b() {', '  return 2;', '}', 'module.exports = { a, b };', ''].join('\n');

describe('correspondence of patched, running and new text', () => {
  it('maps text in a replaced function to the new source, and text after it to both', () => {
    const next = running.replace('  return 1;', '  const one = 1;\n  return one;');
    const plan = planFile({ file: '/app/x.js', runningSource: running, newSource: next, sourceType: 'script' });
    assert.equal(plan.edits.length, 1);
    const patched = plan.patchedSource ?? '';
    assert.equal(patched, next);
    const texts = correspondence(running, next, patched.length, plan.edits);
    const inside = patched.indexOf('return one');
    assert.equal(texts.toNext(inside), next.indexOf('return one'));
    assert.equal(texts.fromNext(next.indexOf('return one')), inside);
    const after = patched.indexOf('return 2');
    assert.equal(texts.toNext(after), next.indexOf('return 2'));
    assert.equal(texts.toRunning(after), running.indexOf('return 2'));
    assert.equal(texts.fromRunning(running.indexOf('return 2')), after);
    assert.equal(texts.fromRunning(running.indexOf('return 1')), undefined, 'replaced text has no patched offset');
  });

  it('leaves text that differs outside the scope to the running source only', () => {
    const next = running.replace('  return 1;', '  const one = 1;\n  return one;').replace('return 2;', 'return 3;');
    const plan = planFile({ file: '/app/x.js', runningSource: running, newSource: next, sourceType: 'script', scope: ['x.js#a'] });
    const patched = plan.patchedSource ?? '';
    assert.equal(patched.includes('return 2;'), true, 'b is left as it runs');
    const texts = correspondence(running, next, patched.length, plan.edits);
    assert.equal(texts.toNext(patched.indexOf('2;')), undefined, 'the text that differs is not the new source');
    assert.equal(texts.toNext(patched.indexOf('function b')), next.indexOf('function b'), 'the text before it is');
    assert.equal(texts.toNext(patched.indexOf('module.exports')), next.indexOf('module.exports'), 'and the text after it');
  });
});

describe('source map payloads', () => {
  const map = { version: 3, sources: ['../src/app.ts'], names: [], mappings: 'AAAA' };

  it('reads the last sourceMappingURL, inline maps in base64 or URL-encoded, and makes sources absolute', () => {
    const base64 = Buffer.from(JSON.stringify(map)).toString('base64');
    const source = `x;\n//# sourceMappingURL=old.js.map\ny;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${base64}\n`;
    const url = sourceMappingUrl(source);
    assert.ok(url?.startsWith('data:'));
    assert.deepEqual(inlinePayload(url ?? ''), map);
    assert.deepEqual(inlinePayload(`data:application/json,${encodeURIComponent(JSON.stringify(map))}`), map);
    assert.equal(inlinePayload('app.js.map'), undefined);
    assert.deepEqual(withAbsoluteSources(parsePayload(JSON.stringify({ ...map, sourceRoot: 'lib/' })), 'file:///srv/app/dist/app.js.map').sources, ['file:///srv/app/dist/src/app.ts']);
  });

  it('refuses what is not a version 3 map, naming what is wrong', () => {
    assert.throws(() => parsePayload('[]'), /JSON object/);
    assert.throws(() => parsePayload(JSON.stringify({ ...map, version: 2 })), /version 3/);
    assert.throws(() => parsePayload(JSON.stringify({ ...map, mappings: 1 })), /mappings/);
    assert.throws(() => parsePayload(JSON.stringify({ ...map, sources: [1] })), /sources/);
    assert.throws(() => parsePayload(JSON.stringify({ ...map, sourcesContent: [1] })), /sourcesContent/);
    assert.throws(() => parsePayload(JSON.stringify({ version: 3, sections: [], mappings: '', sources: [] })), /index maps/);
  });
});
