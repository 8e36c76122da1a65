import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as acornParse, type Options } from 'acorn';
import { parse } from '../../src/acorn-parser.js';

const MODULE: Options = { ecmaVersion: 'latest', sourceType: 'module' };
const SCRIPT: Options = { ecmaVersion: 'latest', sourceType: 'script' };

/** acorn's answer for `source`: its AST as JSON, or its error message. */
function answer(how: typeof parse, source: string, options: Options): string {
  try {
    return JSON.stringify(how(source, options));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('acorn with linear scope checks', () => {
  it('gives the same AST as acorn', () => {
    const source = [
      'import { a } from "./a.js";',
      'export function f(x) { let y = x; { const y = 2; } return y + a; }',
      'export class C { #p = 1; m() { var v; return this.#p + v; } }',
      'const g = () => { try { h(); } catch (e) { var e2 = e; } };',
      'function h() {}',
      'export { g, h as k };',
    ].join('\n');
    assert.equal(answer(parse, source, MODULE), answer(acornParse, source, MODULE));
  });

  // Each redeclaration rule acorn checks with its scope lists, in modules and scripts.
  const cases = [
    'let a; let a;',
    'let a; var a;',
    'var a; let a;',
    'function f() {} let f;',
    'let f; function f() {}',
    'function f() {} function f() {}',
    'var v; var v;',
    'function f() {} var f;',
    '{ function g() {} var g; }',
    '{ function g() {} function g() {} }',
    'try {} catch (e) { let e; }',
    'try {} catch (e) { var e; }',
    'try {} catch ([e]) { var e; }',
    'class K {} let K;',
    'export { nope };',
    'export { declaredLater }; let declaredLater;',
    'const c = 1; export { c };',
    'let x; { let x; var y; } var y;',
  ];
  for (const source of cases) {
    it(`answers ${JSON.stringify(source)} as acorn does`, () => {
      for (const options of [MODULE, SCRIPT]) {
        if (options === SCRIPT && source.includes('export')) continue;
        assert.equal(answer(parse, source, options), answer(acornParse, source, options));
      }
    });
  }

  it('parses a module of thousands of exported declarations, all listed in one export', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    const source = names.map((name) => `function ${name}() { return ${JSON.stringify(name)}; }`).join('\n') + `\nexport { ${names.join(', ')} };`;
    const program = parse(source, MODULE);
    assert.equal(program.body.length, 5001);
    assert.throws(() => parse(source + '\nlet f4999;', MODULE), /Identifier 'f4999' has already been declared/);
  });
});
