// The image's /healthz against a real dikastes.Healthz gRPC server on a Unix socket.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { grpcUnixTarget, healthzService } from '@alpsim/proto';
import { checkHealth, parseHealthzArgs, DEFAULT_HEALTHZ_DIAL } from '../src/healthz';

async function startHealthz(socket: string, state: { ready: boolean }): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(healthzService as unknown as grpc.ServiceDefinition, {
    CheckReadiness: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { healthy: state.ready }),
    CheckLiveness: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { healthy: true }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(grpcUnixTarget(socket), grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return server;
}

/** Run the bin asynchronously (a sync spawn would block the in-process server it talks to). */
function runBin(args: string[]): Promise<{ status: number; stderr: string }> {
  const bin = path.resolve(__dirname, '..', 'src', 'healthz-bin.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], (error, _stdout, stderr) => {
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr: String(stderr) });
    });
  });
}

t.test('arguments as Calico\'s healthz takes them', async (t) => {
  t.same(parseHealthzArgs(['liveness']), { probe: 'liveness', dialPath: DEFAULT_HEALTHZ_DIAL });
  t.same(parseHealthzArgs(['-dialPath', '/x.sock', 'readiness']), { probe: 'readiness', dialPath: '/x.sock' });
  t.same(parseHealthzArgs(['--dialPath=/y.sock', 'liveness']), { probe: 'liveness', dialPath: '/y.sock' });
  t.throws(() => parseHealthzArgs([]), /expected liveness or readiness/);
  t.throws(() => parseHealthzArgs(['bogus']), /unexpected argument "bogus"/);
  t.throws(() => parseHealthzArgs(['-dialPath']), /-dialPath needs a socket path/);
});

t.test('liveness and readiness over the socket', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alpsim-hz-'));
  const socket = path.join(dir, 'dikastes.sock');
  const state = { ready: false };
  const server = await startHealthz(socket, state);
  t.teardown(() => {
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  t.same(await checkHealth({ probe: 'liveness', dialPath: socket }), { healthy: true });
  t.same(await checkHealth({ probe: 'readiness', dialPath: socket }), { healthy: false }, 'not in sync yet');
  state.ready = true;
  t.same(await checkHealth({ probe: 'readiness', dialPath: socket }), { healthy: true });
  t.match(await checkHealth({ probe: 'liveness', dialPath: path.join(dir, 'absent.sock') }), { healthy: false, error: /./ });

  // The bin's exit status is what kubelet sees.
  t.equal((await runBin(['-dialPath', socket, 'readiness'])).status, 0);
  state.ready = false;
  const unready = await runBin(['-dialPath', socket, 'readiness']);
  t.equal(unready.status, 3, 'reachable but not in sync: 3');
  t.match(unready.stderr, /healthz: readiness: not healthy/);
  const missing = await runBin(['-dialPath', path.join(dir, 'nope.sock'), 'liveness']);
  t.equal(missing.status, 2, 'no Dikastes: RPC error, 2');
  t.match(missing.stderr, /healthz: liveness check failed/);
  t.equal((await runBin(['sideways'])).status, 1, 'usage error: 1');
});
