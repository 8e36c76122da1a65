/**
 * What `hotswap dev` says: one marked line per event, coloured on a terminal (never with NO_COLOR
 * or when not a TTY), or with `--json` one JSON object per line for editors and scripts.
 */

/** Every event `hotswap dev` reports, as `--json` prints it. */
export type DevEvent =
  | { readonly event: 'started'; readonly pid: number; readonly plugins: readonly string[]; readonly ms: number }
  | { readonly event: 'reloaded'; readonly plugin: string; readonly version: string; readonly reloadMs: number; readonly saveToLiveMs: number | undefined }
  | { readonly event: 'reload-failed'; readonly code: string; readonly stage: string; readonly plugin: string | undefined; readonly message: string }
  | { readonly event: 'build-error'; readonly plugin: string; readonly message: string }
  | { readonly event: 'patched'; readonly files: readonly string[]; readonly functions: readonly string[]; readonly applyMs: number; readonly saveToLiveMs: number }
  | { readonly event: 'syntax-error'; readonly file: string; readonly message: string }
  | { readonly event: 'restarted'; readonly reason: string; readonly pid: number; readonly ms: number }
  | { readonly event: 'not-applied'; readonly reason: string }
  | { readonly event: 'ignored'; readonly files: readonly string[]; readonly why: string }
  | { readonly event: 'app-exited'; readonly code: number | null; readonly signal: string | null };

export interface Reporter {
  report(event: DevEvent): void;
}

const COLOURS = { green: 32, yellow: 33, red: 31, dim: 2 } as const;

export function createReporter(options: { json: boolean; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv }): Reporter {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  if (options.json) return { report: (event) => void process.stdout.write(`${JSON.stringify(event)}\n`) };
  const colour = stream.isTTY && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
  const paint = (name: keyof typeof COLOURS, text: string): string => (colour ? `\u001b[${COLOURS[name]}m${text}\u001b[0m` : text);
  return {
    report(event) {
      const [tone, text] = describeEvent(event);
      stream.write(`${paint('dim', '[hotswap]')} ${paint(tone, text)}\n`);
    },
  };
}

const ms = (value: number): string => `${Math.round(value)} ms`;

function describeEvent(event: DevEvent): [keyof typeof COLOURS, string] {
  switch (event.event) {
    case 'started':
      return ['dim', `app started (pid ${event.pid})${event.plugins.length === 0 ? '' : ` with ${event.plugins.join(', ')}`} in ${ms(event.ms)}`];
    case 'reloaded':
      return ['green', `✓ ${event.plugin} ${event.version} reloaded in ${ms(event.reloadMs)}${event.saveToLiveMs === undefined ? '' : ` (save → live ${ms(event.saveToLiveMs)})`}`];
    case 'reload-failed':
      return ['red', `✗ reload refused at ${event.stage}${event.plugin === undefined ? '' : ` (plugin ${event.plugin})`}: ${event.code}: ${event.message}; the previous version keeps serving`];
    case 'build-error':
      return ['red', `✗ ${event.plugin} does not build; the previous version keeps serving\n${event.message}`];
    case 'patched':
      return ['green', `✓ patched ${event.functions.join(', ') || '(no function changed)'} (${event.files.join(', ')}) in ${ms(event.applyMs)} (save → live ${ms(event.saveToLiveMs)})`];
    case 'syntax-error':
      return ['red', `✗ ${event.file} does not parse; nothing applied until it does\n${event.message}`];
    case 'restarted':
      return ['yellow', `↻ restarted: ${event.reason} (pid ${event.pid}, ${ms(event.ms)})`];
    case 'not-applied':
      return ['yellow', `✗ not applied: ${event.reason}; the old code keeps running (--no-restart)`];
    case 'ignored':
      return ['dim', `${event.files.join(', ')}: ${event.why}`];
    case 'app-exited':
      return ['red', `app exited (${event.signal ?? `code ${String(event.code)}`}); it starts again at the next save`];
  }
}
