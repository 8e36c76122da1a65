#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's own test runner. Node 20's `--test`
// takes no glob patterns and Node 22+ takes no directories, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/test'];
const files = roots
  .flatMap((root) => readdirSync(root, { recursive: true, encoding: 'utf8' }).map((file) => join(root, file)))
  .filter((file) => file.endsWith('.test.js'))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}: run \`npm run build\` first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
