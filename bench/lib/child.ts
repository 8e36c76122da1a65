/** Benchmarks run their measurements in fresh child processes and read one JSON line back. */
import { spawn } from 'node:child_process';

/** Runs `node ...nodeArgs script ...args`, resolves with the parsed last stdout line. */
export function runChild<T>(script: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        const reason = stderr.split('\n').find((line) => /heap|memory|Error/i.test(line)) ?? stderr.slice(-500);
        reject(new Error(`child ${args.join(' ')} exited ${signal ?? code}: ${reason}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`child ${args.join(' ')} printed no result: ${stdout.slice(-500)}\n${stderr.slice(-500)}`));
      }
    });
  });
}

/** The value of `--name <value>` in `argv`, or `fallback`. */
export function option(argv: readonly string[], name: string, fallback: string): string {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < argv.length ? (argv[index + 1] as string) : fallback;
}

/** Full collections until the heap stops shrinking (needs --expose-gc); returns heapUsed. */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  let last = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const used = process.memoryUsage().heapUsed;
    if (round >= 3 && Math.abs(last - used) < 64 * 1024) return used;
    last = used;
  }
  return process.memoryUsage().heapUsed;
}
