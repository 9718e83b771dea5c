import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string } | { error: string };

/** One HTTP/1.1 request over a Unix socket, a fresh connection each time (as Pilot dialed). */
export function requestUnix(socketPath: string, method: string, urlPath: string, body?: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, method, path: urlPath, headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end(body);
  });
}

export function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'alpsim-pilot-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Collects log lines instead of printing them. */
export function captureLog(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}
