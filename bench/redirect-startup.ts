/**
 * What instrumenting for redirection costs at start-up: the time from spawning a small HTTP server
 * to its first answer, with and without hotswap's loader.
 *
 *   node dist/bench/redirect-startup.js [--runs 10] [--modules 20] [--functions 50] [--app synthetic|express]
 *
 * The app: `server.mjs` (node:http) imports --modules generated ES modules of --functions small
 * functions each (about 270 KB of code with the defaults: 50 functions and 50 arrows a module),
 * calls one function of each at start,
 * and imports two real packages from node_modules, acorn (a 230 KB parser) and commander, using
 * both at start. Four ways to start it, --runs times each in rotating order:
 * - `node server.mjs`;
 * - `node --import hotswap/register server.mjs` with `HOTSWAP_REDIRECT=off`: the loader, no
 *   instrumentation;
 * - `node --import hotswap/register server.mjs`: the app's modules instrumented (not node_modules);
 * - the same with `HOTSWAP_REDIRECT_PACKAGES=*`: every package under node_modules instrumented too.
 * With `--app express`, the app is an Express 4 server instead (`server.mjs`, one route), and the
 * ways are: without the loader; the loader with `HOTSWAP_REDIRECT=off`; the app instrumented;
 * Express's own files too (`HOTSWAP_REDIRECT_PACKAGES=express`); every package (`*`: Express and
 * its dependencies).
 * Per start: from spawn() to the first 200 answer to `GET /` (polled every 2 ms), and the
 * number of modules the server reports instrumented (the runtime's registry).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { option } from './lib/child.js';
import { printTable } from './lib/report.js';
import { median, quantile } from './lib/stats.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER_URL = pathToFileURL(join(REPO, 'dist', 'src', 'typescript', 'register.js')).href;

interface Way {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const SYNTHETIC_WAYS: readonly Way[] = [
  { name: 'node server.mjs', args: [], env: {} },
  { name: 'loader, HOTSWAP_REDIRECT=off', args: ['--import', REGISTER_URL], env: { HOTSWAP_REDIRECT: 'off' } },
  { name: 'loader (app modules instrumented)', args: ['--import', REGISTER_URL], env: {} },
  { name: 'loader, HOTSWAP_REDIRECT_PACKAGES=* (node_modules too)', args: ['--import', REGISTER_URL], env: { HOTSWAP_REDIRECT_PACKAGES: '*' } },
];

const EXPRESS_WAYS: readonly Way[] = [
  { name: 'node server.mjs', args: [], env: {} },
  { name: 'loader, HOTSWAP_REDIRECT=off', args: ['--import', REGISTER_URL], env: { HOTSWAP_REDIRECT: 'off' } },
  { name: 'loader (app instrumented)', args: ['--import', REGISTER_URL], env: {} },
  { name: 'loader, HOTSWAP_REDIRECT_PACKAGES=express', args: ['--import', REGISTER_URL], env: { HOTSWAP_REDIRECT_PACKAGES: 'express' } },
  { name: 'loader, HOTSWAP_REDIRECT_PACKAGES=* (Express and its dependencies)', args: ['--import', REGISTER_URL], env: { HOTSWAP_REDIRECT_PACKAGES: '*' } },
];

const EXPRESS_SERVER = `import express from 'express';
const registry = globalThis[Symbol.for('hotswap.redirect')];
const app = express();
app.get('/', (req, res) => res.json({ instrumented: registry === undefined ? 0 : registry.modules.size }));
app.listen(Number(process.env.PORT), '127.0.0.1');
`;

function moduleSource(index: number, functions: number): string {
  const lines: string[] = [];
  for (let f = 0; f < functions; f++) {
    lines.push(
      `export function f${f}(input, options = {}) {\n` +
        `  const items = Array.isArray(input) ? input : [input];\n` +
        `  const out = items.map((item) => ({ id: item.id ?? ${index * 1000 + f}, name: String(item.name ?? 'n${f}'), tags: options.tags ?? [] }));\n` +
        `  return out.filter((x) => x.id >= 0).length;\n` +
        `}\n`,
    );
  }
  lines.push(`export const start = () => f0([{ id: ${index}, name: 'm${index}' }]);\n`);
  return lines.join('\n');
}

function serverSource(modules: number): string {
  const imports = Array.from({ length: modules }, (_, i) => `import * as m${i} from './lib/m${i}.mjs';`).join('\n');
  const calls = Array.from({ length: modules }, (_, i) => `m${i}.start()`).join(' + ');
  return `import { createServer } from 'node:http';
import { parse } from 'acorn';
import { Command } from 'commander';
${imports}

const parsed = parse('const x = 1;', { ecmaVersion: 'latest' }).body.length;
const program = new Command().option('--port <n>').parse(['node', 'server', '--port', process.env.PORT], { from: 'node' });
const ready = ${calls} + parsed;
const registry = globalThis[Symbol.for('hotswap.redirect')];
const instrumented = registry === undefined ? 0 : registry.modules.size;
createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ready, instrumented }));
}).listen(Number(program.opts().port), '127.0.0.1');
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function get(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

interface Start {
  readonly ms: number;
  readonly instrumented: number;
}

/** Spawns the server, polls it until it answers, stops it. */
async function start(app: string, way: Way): Promise<Start> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...way.args, 'server.mjs'], {
    cwd: app,
    env: { ...process.env, HOTSWAP_REDIRECT: '', HOTSWAP_REDIRECT_PACKAGES: '', ...way.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      const body = await get(port);
      if (body !== undefined) {
        const ms = performance.now() - startedAt;
        return { ms, instrumented: (JSON.parse(body) as { instrumented: number }).instrumented };
      }
      if (child.exitCode !== null) throw new Error(`${way.name}: the server exited ${child.exitCode}: ${stderr.slice(-500)}`);
      if (performance.now() - startedAt > 20_000) throw new Error(`${way.name}: no answer in 20 s: ${stderr.slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const runs = Number(option(argv, 'runs', '10'));
  const modules = Number(option(argv, 'modules', '20'));
  const functions = Number(option(argv, 'functions', '50'));
  const useExpress = option(argv, 'app', 'synthetic') === 'express';
  const WAYS = useExpress ? EXPRESS_WAYS : SYNTHETIC_WAYS;
  const app = await mkdtemp(join(tmpdir(), 'hotswap-bench-startup-'));
  try {
    await mkdir(join(app, 'lib'));
    await mkdir(join(app, 'node_modules'));
    const packages = useExpress ? ['express'] : ['acorn', 'commander'];
    for (const name of packages) await symlink(join(REPO, 'node_modules', name), join(app, 'node_modules', name), 'junction');
    let bytes = 0;
    if (useExpress) {
      await writeFile(join(app, 'server.mjs'), EXPRESS_SERVER);
    } else {
      for (let i = 0; i < modules; i++) {
        const source = moduleSource(i, functions);
        bytes += source.length;
        await writeFile(join(app, 'lib', `m${i}.mjs`), source);
      }
      await writeFile(join(app, 'server.mjs'), serverSource(modules));
    }
    await writeFile(join(app, 'package.json'), '{ "type": "module" }\n');

    const samples = new Map<Way, Start[]>(WAYS.map((w) => [w, []]));
    for (const way of WAYS) await start(app, way); // warm-up: the file cache, the loader's first compile
    for (let run = 0; run < runs; run++) {
      process.stderr.write(`run ${run + 1}/${runs}\n`);
      for (let k = 0; k < WAYS.length; k++) {
        const way = WAYS[(run + k) % WAYS.length] as Way;
        samples.get(way)?.push(await start(app, way));
      }
    }
    const base = median(samples.get(WAYS[0] as Way)?.map((s) => s.ms) ?? []);
    const rows = WAYS.map((way) => {
      const of = samples.get(way) ?? [];
      const times = of.map((s) => s.ms);
      const ms = median(times);
      return [
        way.name,
        String(median(of.map((s) => s.instrumented))),
        `${ms.toFixed(0)} ms`,
        `${quantile(times, 0.9).toFixed(0)} ms`,
        way === WAYS[0] ? '-' : `+${(ms - base).toFixed(0)} ms`,
        way === WAYS[0] ? '-' : `${(ms / base).toFixed(2)}x`,
      ];
    });
    printTable(
      'redirect-startup: time from spawn to the first answer of a small HTTP server, with and without the loader',
      [
        useExpress
          ? 'app: server.mjs, an Express 4 server with one route (Express and its dependencies from node_modules)'
          : `app: server.mjs (node:http) and ${modules} generated modules of ${functions} functions (${(bytes / 1000).toFixed(0)} KB), one function of each called at start; ` +
            'acorn and commander imported from node_modules and used at start',
        `${runs} starts of each way in rotating order after one warm-up start each; medians and p90; the poll interval is 2 ms`,
        'modules instrumented: as the redirection runtime reports them in the server',
      ],
      ['way', 'modules instrumented', 'first answer median', 'p90', 'vs node server.mjs', 'ratio'],
      rows,
    );
  } finally {
    await rm(app, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
