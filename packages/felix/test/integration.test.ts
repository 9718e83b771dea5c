// End to end: `alpsim felix --watch` serving our Dikastes (a child process dialing an absolute socket
// path); verdicts follow YAML edits, and an invalid edit is rejected while the old policy keeps serving.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { authorizationService, grpcUnixTarget, type CheckRequest, type CheckResponse } from '@alpsim/proto';
import { describe, sleep, syncClient, tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ALPSIM = path.join(ROOT, 'cli', 'bin', 'alpsim.js');
const DIKASTES = path.join(ROOT, 'dikastes', 'bin', 'dikastes.js');
const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'shop');

const OK = 0;
const PERMISSION_DENIED = 7;

function policyYaml(methods: string, action = 'Allow'): string {
  return `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: backend-api, namespace: shop}
spec:
  selector: app == 'backend'
  ingress:
    - action: ${action}
      source: {selector: app == 'frontend'}
      http: {methods: [${methods}]}
`;
}

/** A child process whose stderr is collected; resolves `waitFor` when a line matches. */
function start(command: string[], t: { teardown(fn: () => unknown): void }) {
  const child: ChildProcess = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  return {
    child,
    exited,
    get output() {
      return stderr;
    },
    async waitFor(pattern: RegExp, timeoutMs = 15000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${pattern}; output:\n${stderr}`);
        await sleep(50);
      }
    },
  };
}

function checkRequest(sourceIp: string, method: string): CheckRequest {
  return {
    attributes: {
      source: { address: { socketAddress: { address: sourceIp, portValue: 41000 } }, principal: 'spiffe://cluster.local/ns/shop/sa/frontend' },
      destination: { address: { socketAddress: { address: '10.0.0.20', portValue: 8080 } }, principal: 'spiffe://cluster.local/ns/shop/sa/backend' },
      request: { http: { method, path: '/api/items', host: 'backend', scheme: 'http', protocol: 'HTTP/1.1', headers: { ':method': method, ':path': '/api/items' } } },
    },
  };
}

t.test('our Dikastes through alpsim felix --watch', { skip: !fs.existsSync(path.join(ROOT, 'dikastes', 'dist', 'src', 'bin.js')) && 'dikastes not built' }, async (t) => {
  const dir = tempDir('felix-int-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policyFile, policyYaml('GET'));
  const felixSocket = path.join(dir, 'felix.sock');
  const dikastesSocket = path.join(dir, 'dikastes.sock');

  const felix = start([ALPSIM, 'felix', dir, '--socket', felixSocket, '--workload', 'shop/backend', '--watch'], t);
  await felix.waitFor(/ready: /);
  const dikastes = start([DIKASTES, 'server', '-l', dikastesSocket, '-d', felixSocket, '--compat', '3.2'], t);
  await felix.waitFor(/client shop\/backend joined/);

  const Client = grpc.makeGenericClientConstructor(authorizationService('v3'), 'Authorization');
  const client = new Client(grpcUnixTarget(dikastesSocket), grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const check = (ip: string, method: string) =>
    new Promise<number>((resolve, reject) =>
      (client as any).Check(checkRequest(ip, method), (err: grpc.ServiceError | null, res: CheckResponse) => (err ? reject(err) : resolve(res.status?.code ?? OK))),
    );
  /** Polls until the verdict is `expected` (updates are asynchronous), returning the last verdict. */
  const eventually = async (ip: string, method: string, expected: number, timeoutMs = 10000): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    let code = -1;
    while (Date.now() < deadline) {
      try {
        code = await check(ip, method);
      } catch {
        code = -1; // socket not there yet
      }
      if (code === expected) return code;
      await sleep(100);
    }
    return code;
  };

  t.equal(await eventually('10.0.0.10', 'GET', OK), OK, 'frontend GET allowed once in sync');
  t.equal(await check('10.0.0.10', 'POST'), PERMISSION_DENIED, 'frontend POST denied');
  t.equal(await check('10.0.0.99', 'GET'), PERMISSION_DENIED, 'unknown source denied');

  // Edit: allow POST too.
  fs.writeFileSync(policyFile, policyYaml('GET, POST'));
  await felix.waitFor(/applied .*policy\.yaml/);
  t.equal(await eventually('10.0.0.10', 'POST', OK), OK, 'POST allowed after the edit');

  // An invalid edit: rejected with file:line, the old policy keeps serving.
  fs.writeFileSync(policyFile, policyYaml('GET', 'Permit'));
  await felix.waitFor(/rejected edit of .*policy\.yaml/);
  t.match(felix.output, new RegExp(`${policyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: NetworkPolicy shop/backend-api: spec\\.ingress\\[0\\]\\.action`));
  await sleep(300);
  t.equal(await check('10.0.0.10', 'POST'), OK, 'POST still allowed: last good state');

  // A new pod matching the source selector joins the IP set (a delta), through a new file.
  fs.writeFileSync(
    path.join(dir, 'frontend2.yaml'),
    `apiVersion: v1
kind: Pod
metadata: {name: frontend2, namespace: shop, labels: {app: frontend}}
spec:
  serviceAccountName: frontend
  containers: [{name: web, image: nginx}]
status: {podIP: 10.0.0.11}
`,
  );
  t.equal(await eventually('10.0.0.11', 'GET', OK), OK, 'a new frontend pod is allowed');

  // Fix the file: back to GET only, POST denied again.
  fs.writeFileSync(policyFile, policyYaml('GET'));
  t.equal(await eventually('10.0.0.10', 'POST', PERMISSION_DENIED), PERMISSION_DENIED, 'POST denied after the fix');

  // Deleting the policy file deletes the policy: with no policy, the namespace profile allows.
  fs.unlinkSync(policyFile);
  await felix.waitFor(/removed .*policy\.yaml/);
  t.equal(await eventually('10.0.0.99', 'GET', OK), OK, 'no policy left: the kns profile allows');

  t.equal(dikastes.child.exitCode, null, 'dikastes kept running');
  felix.child.kill('SIGTERM');
  t.equal(await felix.exited, 0, 'alpsim felix exits 0 on SIGTERM');
  await sleep(300);
  t.equal(await check('10.0.0.99', 'GET'), OK, 'dikastes keeps serving its last store after Felix goes away');
});

t.test('alpsim felix --prefix: the binder layout from the command line', async (t) => {
  const dir = tempDir('felix-bind-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const felix = start([ALPSIM, 'felix', FIXTURE, '--prefix', dir, '--compat', '3.2'], t);
  await felix.waitFor(/ready: /);
  fs.mkdirSync(path.join(dir, 'creds'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'creds', 'u-42.json'), JSON.stringify({ UID: 'u-42', Workload: 'backend', Namespace: 'shop', ServiceAccount: 'backend' }));
  const socket = path.join(dir, 'mount', 'u-42', 'socket');
  await felix.waitFor(/binder: serving shop\/backend \(uid u-42\)/);
  const c = syncClient(socket, { 'grpc.default_authority': '/var/run/felix/nodeagent/socket' });
  t.teardown(() => c.close());
  const messages = await c.waitForCount(8);
  t.equal(describe(messages[4]), 'workloadEndpointUpdate:shop/backend');
  t.equal(describe(messages[7]), 'inSync');
  fs.unlinkSync(path.join(dir, 'creds', 'u-42.json'));
  await felix.waitFor(/creds u-42\.json removed/);
  t.notOk(fs.existsSync(socket));
  felix.child.kill('SIGINT');
  t.equal(await felix.exited, 0);
});
