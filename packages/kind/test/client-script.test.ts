// The Job's client program, run for real: POSIX sh + curl against local HTTP servers standing in for
// the echo app (marker in the body), an Envoy ext_authz denial (403, empty body), and a port where
// nothing listens (Felix dropping the connection). Its log lines must turn into the right verdicts.
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { clientScript, shQuote } from '../src/client-script';
import { parseProbeLog, verdictOfProbe } from '../src/results';

const hasCurl = spawnSync('curl', ['--version']).status === 0;

function listen(handler: http.RequestListener): Promise<http.Server> {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

t.test('shQuote keeps any text as one word', async (t) => {
  for (const text of ['plain', "it's", "a 'b' c", '$(id) `x` "y" \\ ; |', '']) {
    const r = spawnSync('sh', ['-c', `printf %s ${shQuote(text)}`], { encoding: 'utf8' });
    t.equal(r.stdout, text);
  }
});

t.test('requests through the client program', { skip: hasCurl ? false : 'curl is not installed' }, async (t) => {
  const seen: Array<{ method?: string; url?: string; header?: string | string[] }> = [];
  const app = await listen((req, res) => {
    seen.push({ method: req.method, url: req.url, header: req.headers['x-user'] });
    if (req.url?.startsWith('/denied')) {
      res.writeHead(403, { 'content-length': '0' });
      res.end();
      return;
    }
    res.end('alpsim-echo ns/app:80');
  });
  const closed = await listen(() => undefined);
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

  const script = clientScript(
    [
      { id: 'requests[0]', url: `${base}/api/items?x=1`, method: 'GET', headers: { 'x-user': "o'brien" } },
      { id: 'requests[1]', url: `${base}/api/health`, method: 'HEAD', headers: {} },
      { id: 'requests[2]', url: `${base}/denied/7`, method: 'DELETE', headers: {} },
      { id: 'steps[3].request', url: `http://127.0.0.1:${closedPort}/`, method: 'GET', headers: {} },
    ],
    { settleSeconds: 0, timeoutSeconds: 5, marker: 'alpsim-echo' },
  );
  const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
  t.equal(r.code, 0, 'the program always exits 0 (results are in the log)');
  const probes = parseProbeLog(`istio noise\n${r.stdout}{"kind":"alpsim-result","id":"trunc`);
  t.same(probes.map((p) => p.id), ['requests[0]', 'requests[1]', 'requests[2]', 'steps[3].request']);
  t.match(probes[0], { status: '200', curlExit: 0, reachedApp: true });
  t.match(verdictOfProbe(probes[0], 'GET'), { got: 'allow', detail: 'OK', decidedBy: 'the app answered HTTP 200' });
  t.match(verdictOfProbe(probes[1], 'HEAD'), { got: 'allow', detail: 'OK' }, 'HEAD has no body to carry the marker');
  t.match(verdictOfProbe(probes[2], 'DELETE'), { got: 'deny', detail: 'HTTP 403', decidedBy: 'ext_authz 403 (Dikastes denied)' });
  t.match(probes[3], { status: '000', curlExit: 7 });
  t.match(verdictOfProbe(probes[3], 'GET'), { got: 'deny', detail: 'no response: curl exit 7 (connection refused)' });
  t.same(seen.map((s) => [s.method, s.url]), [['GET', '/api/items?x=1'], ['HEAD', '/api/health'], ['DELETE', '/denied/7']]);
  t.equal(seen[0].header, "o'brien", 'headers arrive intact');
});

t.test('verdicts: only a 2xx of the app is an allow', async (t) => {
  t.match(verdictOfProbe({ id: 'x', status: '200', curlExit: 0, reachedApp: false }, 'GET'), { got: 'deny', detail: 'HTTP 200', decidedBy: /app not reached/ });
  t.match(verdictOfProbe({ id: 'x', status: '503', curlExit: 0, reachedApp: false }, 'GET'), { got: 'deny', detail: 'HTTP 503', decidedBy: /Envoy 503: app not reached/ });
  t.match(verdictOfProbe({ id: 'x', status: '404', curlExit: 0, reachedApp: true }, 'GET'), { got: 'deny', detail: 'HTTP 404', decidedBy: 'the app answered HTTP 404' });
  t.match(verdictOfProbe({ id: 'x', status: '000', curlExit: 28, reachedApp: false }, 'GET'), { got: 'deny', detail: 'no response: curl exit 28 (timeout)' });
  t.match(verdictOfProbe({ id: 'x', status: '000', curlExit: 99, reachedApp: false }, 'GET'), { detail: 'no response: curl exit 99' });
});
