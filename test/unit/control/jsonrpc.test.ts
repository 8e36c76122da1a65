/** JSON-RPC requests as the control connection reads them: every way a request can be wrong is an error response. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HotfixRefusedError, InvalidArgumentError } from '../../../src/errors.js';
import { readRequest, RPC, thrownResponse, type Response } from '../../../src/control/jsonrpc.js';

function errorOf(message: unknown): { id: unknown; code: number; data: string } {
  const read = readRequest(message);
  assert.ok('error' in read, `refused: ${JSON.stringify(message)}`);
  const response = read.error as Extract<Response, { error: unknown }>;
  return { id: response.id, code: response.error.code, data: response.error.data?.code ?? '' };
}

describe('control JSON-RPC', () => {
  it('reads a request, with or without params, and a notification', () => {
    assert.deepEqual(readRequest({ jsonrpc: '2.0', id: 1, method: 'status' }), { request: { id: 1, method: 'status', params: {} } });
    assert.deepEqual(readRequest({ jsonrpc: '2.0', id: 'a', method: 'reload', params: { data: 1 } }), { request: { id: 'a', method: 'reload', params: { data: 1 } } });
    assert.deepEqual(readRequest({ jsonrpc: '2.0', method: 'ping' }), { notification: { method: 'ping', params: {} } });
  });

  it('answers every malformed request with an invalid-request error, keeping the id when it can be read', () => {
    for (const message of [null, 42, 'text', [], [{ jsonrpc: '2.0', id: 1, method: 'status' }]]) {
      assert.deepEqual(errorOf(message), { id: null, code: RPC.invalidRequest, data: 'HOTSWAP_ERR_CONTROL_MALFORMED' });
    }
    assert.deepEqual(errorOf({ id: 3, method: 'status' }), { id: 3, code: RPC.invalidRequest, data: 'HOTSWAP_ERR_CONTROL_MALFORMED' });
    assert.deepEqual(errorOf({ jsonrpc: '2.0', id: 3 }), { id: 3, code: RPC.invalidRequest, data: 'HOTSWAP_ERR_CONTROL_MALFORMED' });
    assert.deepEqual(errorOf({ jsonrpc: '2.0', id: 3, method: 'x', params: [1] }), { id: 3, code: RPC.invalidRequest, data: 'HOTSWAP_ERR_CONTROL_MALFORMED' });
    assert.deepEqual(errorOf({ jsonrpc: '2.0', id: { no: 1 }, method: 'x' }), { id: null, code: RPC.invalidRequest, data: 'HOTSWAP_ERR_CONTROL_MALFORMED' });
    assert.deepEqual(errorOf({ jsonrpc: '2.0', id: Number.NaN, method: 'x' }), { id: null, code: RPC.invalidRequest, data: 'HOTSWAP_ERR_CONTROL_MALFORMED' });
  });

  it('turns what a method threw into an error response: coded errors as themselves, the rest as internal', () => {
    const refused = thrownResponse(1, 'hotfix.apply', new HotfixRefusedError('a.js', ['no']));
    assert.ok('error' in refused);
    assert.equal(refused.error.code, RPC.operationFailed);
    assert.equal(refused.error.data?.code, 'HOTSWAP_ERR_HOTFIX_REFUSED');
    const invalid = thrownResponse(2, 'hotfix.revert', new InvalidArgumentError('version', 'expected a string'));
    assert.ok('error' in invalid);
    assert.equal(invalid.error.code, RPC.invalidParams);
    const bug = thrownResponse(3, 'status', new TypeError('x is undefined'));
    assert.ok('error' in bug);
    assert.equal(bug.error.code, RPC.internalError);
    assert.equal(bug.error.data?.code, 'HOTSWAP_ERR_CONTROL_INTERNAL');
  });
});
