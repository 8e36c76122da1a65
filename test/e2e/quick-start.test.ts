/**
 * The README's quick start, run literally, from the packed package, in an empty directory: its
 * sh blocks are run line by line with bash, its ts blocks written to the file their first line
 * names. The only changes: `npm install hotswap` installs the tarball, the port is a free one, and
 * hosts record themselves in a private runtime directory. A line ending in `&` is a server: it is
 * started, and the next line waits for it to listen. A comment `# → text` is the output the line
 * must print.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/build-fixture.js';
import { FollowedProcess, within } from '../helpers/followed-process.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER_MS = 60_000;
const COMMAND_MS = 180_000;

type Step = { readonly kind: 'file'; readonly path: string; readonly text: string } | { readonly kind: 'sh'; readonly line: string };

/** The quick start's steps, in order. */
export function quickStartSteps(readme: string): Step[] {
  const section = /^## Quick start[^\n]*\n([\s\S]*?)^## /m.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README.md has a "## Quick start" section');
  const steps: Step[] = [];
  for (const [, lang, body] of section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
    if (lang === 'sh') {
      for (const line of (body as string).split('\n')) if (line.trim() !== '') steps.push({ kind: 'sh', line });
    } else if (lang === 'ts') {
      const path = /^\/\/ (\S+\.ts)\n/.exec(body as string)?.[1];
      // A snippet without a file name (how to read an outcome) is an illustration, not a step.
      if (path !== undefined) steps.push({ kind: 'file', path, text: body as string });
    }
  }
  return steps;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function pack(into: string): string {
  const result = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], { cwd: REPO, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const [{ filename }] = JSON.parse(result.stdout) as [{ filename: string }];
  return join(into, filename);
}

function runLine(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = new FollowedProcess(spawn('bash', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  return within(child.closed, COMMAND_MS, () => `\`${line}\` did not finish`).then(({ code }) => ({ code, stdout: child.stdout, stderr: child.stderr }));
}

test('the README quick start runs as written, from the packed package', async (t) => {
  const tmp = makeTempDir('hotswap-quick-start-');
  t.after(tmp.cleanup);
  const tarball = pack(tmp.path);
  const app = join(tmp.path, 'app');
  mkdirSync(app);
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOTSWAP_RUNTIME_DIR: join(tmp.path, 'runtime') };
  const servers: FollowedProcess[] = [];
  // As `kill %1` does, the server's whole process group is signalled: npx does not pass a SIGTERM
  // on to the command it runs.
  const signal = (server: FollowedProcess, name: NodeJS.Signals): void => {
    try {
      process.kill(-(server.child.pid as number), name);
    } catch {
      // gone already
    }
  };
  t.after(async () => {
    for (const server of servers) {
      signal(server, 'SIGTERM');
      await within(server.closed, SERVER_MS, () => 'the quick start server did not stop on SIGTERM').catch((error: unknown) => {
        signal(server, 'SIGKILL');
        throw error;
      });
    }
  });

  const steps = quickStartSteps(readFileSync(join(REPO, 'README.md'), 'utf8'));
  assert.ok(steps.some((s) => s.kind === 'sh' && s.line.includes('hotswap reload')), 'the quick start reloads');
  let checked = 0;
  for (const step of steps) {
    if (step.kind === 'file') {
      mkdirSync(dirname(join(app, step.path)), { recursive: true });
      writeFileSync(join(app, step.path), step.text);
      continue;
    }
    // `command   # → output` checks the output (a `…` in it stands for what varies, such as a
    // duration); any other comment is for the reader only.
    const [command = '', expected] = /\s# → /.test(step.line) ? step.line.split(/\s+# → /) : [step.line.replace(/\s+#.*$/, '')];
    const line = command
      .replace(/^npm install hotswap$/, `npm install --no-audit --no-fund --prefer-offline ${JSON.stringify(tarball)}`)
      .replace(/localhost:3000\b/g, `localhost:${port}`);
    if (line.endsWith('&')) {
      const server = new FollowedProcess(spawn('bash', ['-c', `exec ${line.slice(0, -1).trim()}`], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
      servers.push(server);
      await server.line(/listening on/, SERVER_MS);
      continue;
    }
    const result = await runLine(line, app, env);
    assert.equal(result.code, 0, `\`${line}\` failed:\n${result.stdout}\n${result.stderr}`);
    if (expected !== undefined) {
      const pattern = new RegExp(`^${expected.trim().split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`);
      assert.match(result.stdout.trim(), pattern, `the output of \`${line}\``);
      checked++;
    }
  }
  assert.ok(checked >= 2, 'the quick start shows what the server answers before and after the reload');
  // What the README says the server prints: v1 loaded, v2 loaded, v1 freed after its one greeting.
  const [server] = servers;
  assert.ok(server !== undefined, 'the quick start starts a server');
  await server.line(/^greeter v1 freed after 1 greetings$/, SERVER_MS);
  assert.match(server.stdout, /^greeter v1 loaded$/m);
  assert.match(server.stdout, /^greeter v2 loaded$/m);
});
