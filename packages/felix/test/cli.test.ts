// `alpsim compile` and `alpsim felix` usage, as child processes of the real CLI.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ALPSIM = path.resolve(__dirname, '..', '..', '..', 'cli', 'bin', 'alpsim.js');
const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'shop');

function alpsim(...args: string[]) {
  return spawnSync(process.execPath, [ALPSIM, ...args], { encoding: 'utf8', timeout: 30000 });
}

t.test('alpsim compile prints the join sequence as proto3 JSON, one message per line', async (t) => {
  const r = alpsim('compile', FIXTURE, '--workload', 'shop/backend');
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.same(lines.map((m) => Object.keys(m)[0]), [
    'ipsetUpdate',
    'activePolicyUpdate',
    'activeProfileUpdate',
    'activeProfileUpdate',
    'workloadEndpointUpdate',
    'serviceAccountUpdate',
    'namespaceUpdate',
    'inSync',
  ]);
  t.match(lines[0].ipsetUpdate, { id: /^s:/, members: ['10.0.0.10/32'], type: 'NET' });
  t.same(lines[1].activePolicyUpdate.id, { tier: 'default', name: 'shop/default.backend-api' });
  t.equal(lines[1].activePolicyUpdate.policy.inboundRules[0].srcIpSetIds[0], lines[0].ipsetUpdate.id);
  t.same(lines[4].workloadEndpointUpdate.id, { orchestratorId: 'k8s', workloadId: 'shop/backend', endpointId: 'eth0' });
  t.same(lines[6].namespaceUpdate, { id: { name: 'shop' }, labels: { team: 'retail' } });

  const array = alpsim('compile', FIXTURE, '--workload', 'shop/backend', '--format', 'array');
  t.equal(array.status, 0);
  t.same(JSON.parse(array.stdout), lines, '--format array carries the same messages');

  const frontend = alpsim('compile', FIXTURE, '--workload', 'shop/frontend');
  t.same(frontend.stdout.trim().split('\n').map((l) => Object.keys(JSON.parse(l))[0]), [
    'activeProfileUpdate',
    'activeProfileUpdate',
    'workloadEndpointUpdate',
    'serviceAccountUpdate',
    'namespaceUpdate',
    'inSync',
  ], 'the frontend gets no policy and no IP set: none applies to it');
});

t.test('user errors: exit 2, one line, no stack', async (t) => {
  const unknown = alpsim('compile', FIXTURE, '--workload', 'shop/nope');
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /^alpsim: workload shop\/nope not found .*known workloads: shop\/backend, shop\/frontend\n$/);
  const syntax = alpsim('compile', FIXTURE, '--workload', 'backend');
  t.equal(syntax.status, 2);
  t.match(syntax.stderr, /expected <namespace>\/<pod>/);
  const both = alpsim('felix', FIXTURE, '--prefix', '/tmp/x', '--socket', '/tmp/y');
  t.equal(both.status, 2);
  t.match(both.stderr, /exactly one of --prefix/);
  const noWorkload = alpsim('felix', FIXTURE, '--socket', '/tmp/y');
  t.equal(noWorkload.status, 2);
  t.match(noWorkload.stderr, /--socket needs --workload/);
  t.notMatch(both.stderr + noWorkload.stderr + unknown.stderr, /at .*\.js:\d+/);
});
