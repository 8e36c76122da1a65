/** Entries of the runtime directory left by processes killed hard are removed; live ones stay. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { sweepDeadProcessEntries } from '../../../src/discovery/dead-process-entries.js';
import { makeTempDir } from '../../helpers/build-fixture.js';

it('removes the entries of processes that are gone, and keeps those of live ones and other names', async (t) => {
  const tmp = makeTempDir();
  t.after(tmp.cleanup);
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  const dead = child.pid as number;
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
  t.after(() => live.kill());
  for (const name of [`${dead}.fleet-game`, `${live.pid ?? 0}.fleet-game`, `${process.pid}.fleet-game`, `${dead}.kept`, 'notes.fleet-game']) {
    mkdirSync(join(tmp.path, name));
  }
  await sweepDeadProcessEntries(tmp.path, /^([1-9][0-9]*)\.fleet-/);
  assert.deepEqual(readdirSync(tmp.path).sort(), [`${dead}.kept`, `${live.pid ?? 0}.fleet-game`, `${process.pid}.fleet-game`, 'notes.fleet-game'].sort());
});
