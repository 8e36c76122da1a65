/**
 * What a debugger does when you set a breakpoint in a plugin's .ts file of the bundled app, done
 * here through the inspector protocol, so the demo and the end-to-end test can check that it works:
 *
 * 1. read the bundle's inline source map and find the generated line that maps to `<source>:<line>`
 *    (Chrome DevTools and VS Code do this with the map the script announces);
 * 2. start `node --inspect-brk=0 <bundle>`, connect to its WebSocket, set the breakpoint on that
 *    generated line, let the app run;
 * 3. when it pauses, map the paused location back through the source map and print it.
 *
 *   node [--experimental-websocket] dist/examples/slink/breakpoint.js <bundle.cjs> <source.ts> <line>
 *
 * Prints one JSON line, `{"paused":true,"functionName":"explode","source":"/…/notes/index.ts","line":25,...}`;
 * exits 1 if the app ended or 20 s passed without pausing there. Node 20 needs
 * `--experimental-websocket` for the WebSocket client (Node 22 and later have it by default).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The part of the WHATWG WebSocket this uses (a global since Node 22; @types/node 20 lacks it). */
interface Socket {
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'error' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
type SocketConstructor = new (url: string) => Socket;

interface Paused {
  params: { reason: string; hitBreakpoints?: string[]; callFrames: { functionName: string; location: { lineNumber: number; columnNumber: number } }[] };
}

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** The bundle's source map, and the 0-based generated line whose first token maps to `source:line`. */
function generatedLineOf(bundle: string, source: string, line: number): { map: SourceMap; generated: number } {
  const text = readFileSync(bundle, 'utf8');
  const encoded = INLINE_MAP.exec(text)?.[1];
  if (encoded === undefined) throw new Error(`${bundle} has no inline source map`);
  const map = new SourceMap(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as SourceMapPayload);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const column = (lines[i] ?? '').search(/\S/);
    if (column < 0) continue;
    const entry = map.findEntry(i, column) as { originalSource?: string; originalLine?: number };
    if (entry.originalSource === undefined || entry.originalLine !== line - 1) continue;
    if (resolve(dirname(bundle), entry.originalSource) === resolve(source)) return { map, generated: i };
  }
  throw new Error(`no line of ${bundle} maps to ${source}:${line}`);
}

async function main(): Promise<boolean> {
  const [bundle, source, lineText] = process.argv.slice(2);
  if (bundle === undefined || source === undefined || lineText === undefined) {
    console.error('usage: breakpoint.js <bundle.cjs> <source.ts> <line>');
    return false;
  }
  const WebSocket = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (WebSocket === undefined) throw new Error('no WebSocket client: on Node 20 run with --experimental-websocket');
  const { map, generated } = generatedLineOf(bundle, source, Number(lineText));

  const app = spawn(process.execPath, ['--inspect-brk=0', bundle], { stdio: ['ignore', 'ignore', 'pipe'] });
  const giveUp = setTimeout(() => app.kill('SIGKILL'), 20_000);
  try {
    let stderr = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      app.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const found = /ws:\/\/\S+/.exec(stderr)?.[0];
        if (found !== undefined) resolveUrl(found);
      });
      app.once('exit', () => reject(new Error(`the app exited before its inspector listened:\n${stderr}`)));
    });
    const socket = new WebSocket(url);
    await new Promise<void>((opened, failed) => {
      socket.addEventListener('open', () => opened());
      socket.addEventListener('error', () => failed(new Error(`cannot connect to ${url}`)));
    });
    let id = 0;
    const send = (method: string, params: Record<string, unknown> = {}): void => socket.send(JSON.stringify({ id: ++id, method, params }));
    const paused = await new Promise<Paused | undefined>((done) => {
      app.once('exit', () => done(undefined));
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { method?: string } & Partial<Paused>;
        if (message.method !== 'Debugger.paused') return;
        const hit = message.params?.hitBreakpoints ?? [];
        // --inspect-brk pauses once before the first line: go on to the breakpoint.
        if (hit.length === 0) send('Debugger.resume');
        else done(message as Paused);
      });
      send('Runtime.enable');
      send('Debugger.enable');
      // A CommonJS script's URL is its file: URL.
      send('Debugger.setBreakpointByUrl', { url: pathToFileURL(resolve(bundle)).href, lineNumber: generated });
      send('Runtime.runIfWaitingForDebugger');
    });
    socket.close();
    if (paused === undefined) {
      console.log(JSON.stringify({ paused: false, stderr }));
      return false;
    }
    const frame = paused.params.callFrames[0];
    const at = frame === undefined ? {} : (map.findEntry(frame.location.lineNumber, frame.location.columnNumber) as { originalSource?: string; originalLine?: number });
    console.log(
      JSON.stringify({
        paused: true,
        functionName: frame?.functionName,
        generatedLine: (frame?.location.lineNumber ?? -1) + 1,
        source: at.originalSource === undefined ? undefined : resolve(dirname(bundle), at.originalSource),
        line: at.originalLine === undefined ? undefined : at.originalLine + 1,
      }),
    );
    return true;
  } finally {
    clearTimeout(giveUp);
    app.kill('SIGKILL');
  }
}

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
