import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasLivePrefix, scanModuleExports } from '../../../src/build/live-exports.js';

const liveOf = (code: string, prefix = 'live_'): [string, string][] =>
  scanModuleExports(code, prefix).live.map((e) => [e.name, e.kind]);

test('exported function, async function, const arrow, const function and class declarations are live', () => {
  const code = `
    export function live_a() {}
    export async function live_b() {}
    export function* live_gen() {}
    export const live_c = () => 1, live_d = async function () {};
    export class Live_Type {}
    export const Live_Expr = class {};
  `;
  assert.deepEqual(liveOf(code), [
    ['live_a', 'function'],
    ['live_b', 'function'],
    ['live_gen', 'function'],
    ['live_c', 'function'],
    ['live_d', 'function'],
    ['Live_Type', 'type'],
    ['Live_Expr', 'type'],
  ]);
});

test('the prefix is matched ignoring case, and a custom prefix replaces the default', () => {
  const code = 'export function live_x() {}\nexport function Live_Y() {}\nexport function LIVE_z() {}\nexport function hot_w() {}\n';
  assert.deepEqual(
    liveOf(code).map(([name]) => name),
    ['live_x', 'Live_Y', 'LIVE_z'],
  );
  assert.deepEqual(liveOf(code, 'HOT_'), [['hot_w', 'function']]);
  assert.equal(hasLivePrefix('live_', 'live_'), false, 'the prefix alone is not a live name');
  assert.equal(hasLivePrefix('liveX', 'live_'), false);
});

test('export { local as name } counts when the local binding is a function or class declaration', () => {
  const code = `
    function send() {}
    const arrow = () => 2;
    class Reminder {}
    let reassigned = () => 3;
    import { imported } from './other.js';
    export { send as live_send, arrow as live_arrow, Reminder as Live_Reminder, reassigned as live_let, imported as live_imported };
  `;
  const scanned = scanModuleExports(code, 'live_');
  assert.deepEqual(
    scanned.live.map((e) => [e.name, e.kind]),
    [
      ['live_send', 'function'],
      ['live_arrow', 'function'],
      ['Live_Reminder', 'type'],
    ],
  );
  assert.deepEqual(scanned.ignored, ['live_let', 'live_imported']);
});

test('non-exported declarations, constants, re-exports and default exports are not live', () => {
  const code = `
    function live_private() {}
    export const LIVE_TIMEOUT_MS = 5000;
    export const live_wrapped = wrap(() => 1);
    export { live_elsewhere } from './elsewhere.js';
    export * from './all.js';
    export default function live_default() {}
    const text = 'export function live_in_string() {}';
    // export function live_in_comment() {}
  `;
  const scanned = scanModuleExports(code, 'live_');
  assert.deepEqual(scanned.live, []);
  assert.deepEqual(scanned.ignored, ['LIVE_TIMEOUT_MS', 'live_wrapped']);
  assert.equal(scanned.hasDefault, true);
});

test('a default export is seen in every form esbuild may write it', () => {
  assert.equal(scanModuleExports('export default 1;', 'live_').hasDefault, true);
  assert.equal(scanModuleExports('const x = 1; export { x as default };', 'live_').hasDefault, true);
  assert.equal(scanModuleExports("export { default } from './a.js';", 'live_').hasDefault, true);
  assert.equal(scanModuleExports("export * from './a.js'; export const y = 1;", 'live_').hasDefault, false);
});

test('invalid JavaScript throws a SyntaxError', () => {
  assert.throws(() => scanModuleExports('export function (', 'live_'), SyntaxError);
});
