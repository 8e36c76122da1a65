// The hotfix-webapp example's application: a plain node:http server (no plugins, no build step).
// `/now` formats the time with formatTime(), a module-private function. `/hotfix` is the admin
// route that applies a patch in place through hotswap's hotfix engine; the same engine answers on
// a control socket, so `hotswap hotfix apply <pid> patch.json` reaches it from the shell too. Run
// it with `node server.mjs [port]`; it prints one JSON line `{"event":"ready","pid":...,"port":...}`
// once both answer.
import { createServer } from 'node:http';
import process from 'node:process';
import { startControl } from 'hotswap/control';
import { createHotfixEngine } from 'hotswap/hotfix';

const engine = createHotfixEngine();
const control = await startControl({ hotfix: engine });
const startedAt = Date.now();
let requests = 0; // in-memory state: a restart would lose it, a hotfix keeps it

function formatTime(date) {
  return date.toISOString();
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return JSON.parse(body);
}

function send(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value) + '\n');
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/now') {
      requests++;
      return send(res, 200, { now: formatTime(new Date()), requests, pid: process.pid, startedAt });
    }
    if (req.method === 'POST' && req.url === '/hotfix') {
      const outcome = await engine.apply(await readJson(req));
      return outcome.ok
        ? send(res, 200, outcome)
        : send(res, 422, { ok: false, code: outcome.error.code, message: outcome.error.message, file: outcome.file, function: outcome.function });
    }
    if (req.method === 'POST' && req.url?.startsWith('/hotfix/revert/')) {
      const outcome = await engine.revert(decodeURIComponent(req.url.slice('/hotfix/revert/'.length)));
      return send(res, outcome.ok ? 200 : 422, outcome.ok ? outcome : { ok: false, code: outcome.error.code, message: outcome.error.message });
    }
    if (req.method === 'GET' && req.url === '/hotfix') return send(res, 200, engine.list());
    send(res, 404, { error: 'not found' });
  } catch (error) {
    send(res, 500, { error: String(error) });
  }
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid, port: server.address().port }) + '\n');
});

// Closing the control server removes its socket and the record `hotswap` finds this process by.
async function shutdown() {
  await control.close();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
