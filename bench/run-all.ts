/**
 * Runs every benchmark, one after another, each in its own process, printing their tables:
 * `npm run bench`. Takes about half an hour on a 2-core machine (the HTTP comparison, the
 * 1,000-reload memory run and the 2 GB hotfix pause dominate).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = ['invoke-overhead.js', 'scope-cost.js', 'reload-latency.js', 'reload-memory.js', 'hotfix-pause.js', 'hotfix-redirect-pause.js', 'redirect-call-cost.js', 'redirect-startup.js', 'hotfix-await.js', 'compare-http.js', 'compare-ws.js', 'compare-memory.js', 'control.js'];

let failed = 0;
for (const file of BENCHMARKS) {
  const script = fileURLToPath(new URL(file, import.meta.url));
  process.stderr.write(`== ${file}\n`);
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`${file} exited ${result.signal ?? result.status}\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
