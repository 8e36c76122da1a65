/**
 * The control server in a host, reached through the client over a real Unix socket: hello,
 * status, hotfix and reload outcomes, and every kind of bad input answered (or the connection
 * closed) while the server goes on answering others.
 */
import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectControl, ControlRemoteError, startControl, type ControlHandle } from '../../../src/control/index.js';
import { encodeFrame, FrameDecoder } from '../../../src/control/framing.js';
import { MAX_EVENT_BACKLOG_BYTES } from '../../../src/control/server.js';
import { readRecord } from '../../../src/discovery/host-record.js';
import { runtimeDirPath } from '../../../src/discovery/runtime-dir.js';
import type { ReloadOutcome } from '../../../src/runtime/options.js';
import type { ManagerStatus } from '../../../src/runtime/status.js';
import { createEngine, ModuleDir, sha256 } from '../hotfix/fixtures.js';
import { withTimeout, WAIT_MS } from '../../helpers/timeout.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A manager stand-in: reload answers what the test says. */
const manager = {
  outcome: { ok: true, changed: true, generation: 2, details: [], summary: 'a@2', durationMs: 1 } as unknown as ReloadOutcome,
  reloads: [] as unknown[],
  reload(data?: unknown): Promise<ReloadOutcome> {
    this.reloads.push(data);
    return Promise.resolve(this.outcome);
  },
  status(): ManagerStatus {
    return { closed: false, current: undefined, reloadCount: 0, failedCount: 0, lastOutcome: undefined, recent: [], kept: [], retired: [], leaks: [], calls: { total: 0, failed: 0 }, compile: undefined };
  },
  rollback(options?: { to?: number | undefined; data?: unknown }): Promise<ReloadOutcome> {
    this.reloads.push({ rollback: options });
    return Promise.resolve(this.outcome);
  },
  pluginDirs: [] as string[],
  usePluginDir(dir: string): void {
    this.pluginDirs.push(dir);
  },
};

/** Raw frames on a fresh connection: what comes back, until the host closes it or `count` answers came. */
function raw(socketPath: string, frames: readonly Buffer[], count: number): Promise<{ answers: unknown[]; closed: boolean }> {
  return withTimeout(
    new Promise((resolve) => {
      const socket = connect(socketPath);
      const decoder = new FrameDecoder();
      const answers: unknown[] = [];
      socket.on('data', (chunk: Buffer) => {
        answers.push(...decoder.push(chunk));
        if (answers.length >= count) {
          socket.destroy();
          resolve({ answers, closed: false });
        }
      });
      socket.on('close', () => resolve({ answers, closed: true }));
      socket.on('error', () => undefined);
      socket.on('connect', () => {
        for (const frame of frames) socket.write(frame);
      });
    }),
    WAIT_MS,
    'the control server to answer raw frames',
  );
}

const hello = encodeFrame({ jsonrpc: '2.0', id: 0, method: 'hello', params: { protocol: 1 } });

describe('control server', () => {
  let control: ControlHandle;
  let dir: ModuleDir;
  const hotfix = createEngine();
  before(async () => {
    dir = new ModuleDir();
    control = await startControl({ manager, hotfix, name: 'svc', logger: quiet, maxFrameBytes: 1024 * 1024 });
  });
  after(async () => {
    await control.close();
    await hotfix.close();
    dir.cleanup();
  });

  it('listens on a 0600 socket in the runtime directory, named in the host record', () => {
    assert.equal(control.socketPath, join(runtimeDirPath(), `${process.pid}.sock`));
    assert.equal(statSync(control.socketPath).mode & 0o777, 0o600);
    assert.equal(readRecord(runtimeDirPath(), process.pid)?.socket, control.socketPath);
    // The name given is the one the CLI finds the host by.
    assert.equal(readRecord(runtimeDirPath(), process.pid)?.name, 'svc');
  });

  it('reloads from another plugin directory and rolls back, checking their parameters', async () => {
    const client = await connectControl(control.socketPath);
    try {
      await client.call('reload', { pluginDir: '/srv/release-2' });
      assert.equal(manager.pluginDirs.at(-1), '/srv/release-2');
      for (const pluginDir of ['relative/dir', 5, '']) {
        await assert.rejects(client.call('reload', { pluginDir }), (error: ControlRemoteError) => error.code === 'HOTSWAP_ERR_INVALID_ARGUMENT');
      }
      await client.call('rollback', { to: 3, data: 'x' });
      assert.deepEqual(manager.reloads.at(-1), { rollback: { to: 3, data: 'x', discard: undefined } });
      for (const params of [{ to: 0 }, { to: '3' }, { to: 1.5 }, { discard: 'yes' }]) {
        await assert.rejects(client.call('rollback', params), (error: ControlRemoteError) => error.code === 'HOTSWAP_ERR_INVALID_ARGUMENT');
      }
    } finally {
      client.close();
    }
  });

  it('closes a connection that does not say hello in time, and drops an events subscriber that does not read', async () => {
    const path = join(dir.dir.path, 'strict.sock');
    let onDrop = (): void => {};
    const dropped = new Promise<void>((resolve) => (onDrop = resolve));
    const logger = { ...quiet, warn: (message: string) => (message.includes('dropping an events subscriber') ? onDrop() : undefined) };
    const strict = await startControl({ name: 'strict', logger, socketPath: path, helloTimeoutMs: 50 });
    try {
      const silent = connect(path);
      await withTimeout(once(silent, 'close'), WAIT_MS, 'the server to close a connection that said nothing');
      // A subscriber that never reads: its unread events pass the backlog limit and it is dropped.
      const reader = connect(path);
      reader.write(hello);
      reader.write(encodeFrame({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params: {} }));
      reader.pause();
      await withTimeout(once(reader, 'connect'), WAIT_MS, 'the subscriber to connect');
      const big = 'x'.repeat(1024 * 1024);
      const end = channel('hotswap:reload:end');
      // Published until the server drops the subscriber (bounded by the wait below).
      let published = 0;
      const publishing = setInterval(() => {
        for (let i = 0; i < 4; i++) end.publish({ generation: published++, kind: 'reload', outcome: { ok: true, big } });
      }, 1);
      try {
        await withTimeout(dropped, WAIT_MS, 'the server to drop a subscriber that does not read');
      } finally {
        clearInterval(publishing);
      }
      assert.ok(published * big.length > MAX_EVENT_BACKLOG_BYTES, `dropped after ${published} events of 1 MiB`);
      // A paused socket sees its end only once it reads what came before.
      const closed = once(reader, 'close');
      reader.resume();
      await withTimeout(closed, WAIT_MS, 'the dropped subscriber to see its connection closed');
      // Others are still served.
      const client = await connectControl(path);
      assert.equal(client.host.name, 'strict');
      client.close();
    } finally {
      await strict.close();
    }
  });

  it('takes over from an earlier server of this process on the same socket (hotswap run, then the program\'s own)', async () => {
    const path = join(dir.dir.path, 'twice.sock');
    const first = await startControl({ name: 'first', logger: quiet, socketPath: path });
    const second = await startControl({ name: 'second', logger: quiet, socketPath: path });
    try {
      const client = await connectControl(path);
      assert.equal(client.host.name, 'second');
      client.close();
      // The earlier one was closed: closing it again is a no-op, and the socket stays the second's.
      await first.close();
      const again = await connectControl(path);
      assert.equal(again.host.name, 'second');
      again.close();
    } finally {
      await second.close();
    }
  });

  it('says hello with its protocol, then answers status with the process, the manager and the patches', async () => {
    const client = await connectControl(control.socketPath);
    try {
      assert.deepEqual({ ...client.host }, { protocol: 1, hotswapVersion: client.host.hotswapVersion, pid: process.pid, name: 'svc' });
      const status = (await client.call('status')) as { pid: number; name: string; manager: ManagerStatus; hotfix: unknown[] };
      assert.equal(status.pid, process.pid);
      assert.equal(status.name, 'svc');
      assert.equal(status.manager.reloadCount, 0);
      assert.deepEqual(status.hotfix, []);
    } finally {
      client.close();
    }
  });

  it('applies, lists and reverts a hotfix, and returns a refused one as its outcome with the coded error', async () => {
    const v1 = 'exports.answer = function answer() { return 1; };\n';
    const { path, module } = await dir.load(dir.fresh('ctl', 'cjs'), v1);
    const client = await connectControl(control.socketPath);
    try {
      const applied = (await client.call('hotfix.apply', { patch: { version: 'c1', files: [{ file: path, baseHash: sha256(v1), source: v1.replace('1', '2') }] } })) as { ok: boolean };
      assert.equal(applied.ok, true, JSON.stringify(applied));
      assert.equal((module as { answer(): number }).answer(), 2);
      assert.deepEqual(((await client.call('hotfix.list')) as { version: string }[]).map((p) => p.version), ['c1']);
      const refused = (await client.call('hotfix.apply', { patch: { version: 'c2', files: [{ file: path, baseHash: 'f'.repeat(64), source: v1 }] } })) as {
        ok: boolean;
        error: { code: string; message: string };
      };
      assert.equal(refused.ok, false);
      assert.equal(refused.error.code, 'HOTSWAP_ERR_HOTFIX_BASE_MISMATCH');
      assert.match(refused.error.message, /built against/);
      const reverted = (await client.call('hotfix.revert', { version: 'c1' })) as { ok: boolean };
      assert.equal(reverted.ok, true);
      assert.equal((module as { answer(): number }).answer(), 1);
      await assert.rejects(client.call('hotfix.revert', { version: 5 }), (error: ControlRemoteError) => error.code === 'HOTSWAP_ERR_INVALID_ARGUMENT');
    } finally {
      client.close();
    }
  });

  it('reloads with data and returns the outcome', async () => {
    const client = await connectControl(control.socketPath);
    try {
      const outcome = (await client.call('reload', { data: { n: 1 } })) as { ok: boolean; generation: number };
      assert.deepEqual({ ok: outcome.ok, generation: outcome.generation }, { ok: true, generation: 2 });
      assert.deepEqual(manager.reloads.at(-1), { n: 1 });
    } finally {
      client.close();
    }
  });

  it('answers an unknown method, a request before hello and another protocol with coded errors', async () => {
    const client = await connectControl(control.socketPath);
    try {
      await assert.rejects(client.call('nope'), (error: ControlRemoteError) => error.code === 'HOTSWAP_ERR_CONTROL_UNKNOWN_METHOD');
    } finally {
      client.close();
    }
    const early = await raw(control.socketPath, [encodeFrame({ jsonrpc: '2.0', id: 1, method: 'status' })], 1);
    assert.equal((early.answers[0] as { error: { data: { code: string } } }).error.data.code, 'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH');
    const other = await raw(control.socketPath, [encodeFrame({ jsonrpc: '2.0', id: 1, method: 'hello', params: { protocol: 99 } })], 1);
    assert.equal((other.answers[0] as { error: { data: { code: string } } }).error.data.code, 'HOTSWAP_ERR_CONTROL_PROTOCOL_MISMATCH');
  });

  it('answers malformed requests, closes on a frame it cannot read or over the limit, and goes on serving', async () => {
    const invalid = await raw(control.socketPath, [hello, encodeFrame({ id: 2, method: 'status' }), encodeFrame([1, 2])], 3);
    assert.deepEqual(
      invalid.answers.slice(1).map((a) => (a as { error: { data: { code: string } } }).error.data.code),
      ['HOTSWAP_ERR_CONTROL_MALFORMED', 'HOTSWAP_ERR_CONTROL_MALFORMED'],
    );
    const notJson = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
    const broken = await raw(control.socketPath, [hello, notJson], 10);
    assert.equal(broken.closed, true);
    assert.equal((broken.answers.at(-1) as { error: { data: { code: string } } }).error.data.code, 'HOTSWAP_ERR_CONTROL_MALFORMED');
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(2 * 1024 * 1024, 0);
    const oversized = await raw(control.socketPath, [hello, huge], 10);
    assert.equal(oversized.closed, true);
    assert.equal((oversized.answers.at(-1) as { error: { data: { code: string } } }).error.data.code, 'HOTSWAP_ERR_CONTROL_FRAME_TOO_LARGE');
    // A client that goes away mid-request.
    await raw(control.socketPath, [hello, encodeFrame({ jsonrpc: '2.0', id: 3, method: 'status' })], 1);
    const client = await connectControl(control.socketPath);
    try {
      assert.equal(((await client.call('status')) as { name: string }).name, 'svc');
    } finally {
      client.close();
    }
  });

  it('serves 50 clients at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const client = await connectControl(control.socketPath);
        try {
          return ((await client.call('status')) as { pid: number }).pid;
        } finally {
          client.close();
        }
      }),
    );
    assert.deepEqual(new Set(results), new Set([process.pid]));
  });

  it('refuses to connect where nothing answers, with a coded error', async () => {
    await assert.rejects(connectControl(join(runtimeDirPath(), 'nobody.sock')), (error: Error & { code?: string }) => error.code === 'HOTSWAP_ERR_CONTROL_UNAVAILABLE');
  });

  it('closes connections over its limit at once, and keeps the ones it has', async () => {
    const small = await startControl({ name: 'small', logger: quiet, maxConnections: 2, socketPath: join(dir.dir.path, 'small.sock') });
    const first = await connectControl(small.socketPath);
    const second = await connectControl(small.socketPath);
    try {
      const third = await raw(small.socketPath, [hello], 1);
      assert.deepEqual(third, { answers: [], closed: true });
      assert.equal(((await first.call('status')) as { name: string }).name, 'small');
      assert.equal(((await second.call('status')) as { name: string }).name, 'small');
    } finally {
      first.close();
      second.close();
      await small.close();
    }
  });
});
