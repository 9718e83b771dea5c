// `alpsim compile` and `alpsim felix` usage, as child processes of the real CLI.
import t from 'tap';
import tap from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadResources, ResourceSet } from '@alpsim/calico';
import { Command } from 'commander';
import { compileWorkload, registerFelixCommands } from '../src/cli';

const ALPSIM = path.resolve(__dirname, '..', '..', '..', 'cli', 'bin', 'alpsim.js');
const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'shop');

function alpsim(...args: string[]) {
  return spawnSync(process.execPath, [ALPSIM, ...args], { encoding: 'utf8', timeout: 30000 });
}

t.test('alpsim compile prints the join sequence as proto3 JSON, one message per line', async (t) => {
  const r = alpsim('compile', FIXTURE, '--workload', 'shop/backend', '--compat', '3.2');
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

  const array = alpsim('compile', FIXTURE, '--workload', 'shop/backend', '--compat', '3.2', '--format', 'array');
  t.equal(array.status, 0);
  t.same(JSON.parse(array.stdout), lines, '--format array carries the same messages');

  const frontend = await compileWorkload([FIXTURE], 'shop/frontend');
  t.same(frontend.messages.map((m) => Object.keys(m)[0]), [
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
  t.notMatch(unknown.stderr, /at .*\.js:\d+/);
});

t.test('argument errors are userErrors (in process)', async (t) => {
  const run = (...args: string[]) => {
    const program = new Command().exitOverride();
    registerFelixCommands(program);
    return program.parseAsync(args, { from: 'user' });
  };
  await t.rejects(run('compile', FIXTURE, '--workload', 'backend'), { userError: true, message: /expected <namespace>\/<pod>/ });
  await t.rejects(run('felix', FIXTURE, '--prefix', '/tmp/x', '--socket', '/tmp/y'), { userError: true, message: /exactly one of --prefix/ });
  await t.rejects(run('felix', FIXTURE, '--socket', '/tmp/y'), { userError: true, message: /--socket needs --workload/ });
  await t.rejects(run('felix', FIXTURE, '--socket', '/tmp/y', '--workload', 'a/b', '--max-buffered', '0'), { userError: true, message: /positive integer/ });
});

const SCENARIOS = path.resolve(__dirname, '..', '..', '..', '..', 'scenarios');

/** Felix's join order and referential guarantees, checked on a compiled sequence. */
function checkJoinInvariants(t: Pick<typeof tap, 'ok' | 'equal' | 'same'>, lines: Record<string, any>[], label: string) {
  const rank: Record<string, number> = {
    ipsetUpdate: 0,
    ipsetDeltaUpdate: 0,
    activePolicyUpdate: 1,
    activeProfileUpdate: 2,
    workloadEndpointUpdate: 3,
    serviceAccountUpdate: 4,
    namespaceUpdate: 5,
    inSync: 6,
  };
  const kinds = lines.map((m) => Object.keys(m)[0]);
  t.ok(kinds.every((k, i) => i === 0 || rank[kinds[i - 1]] <= rank[k]), `${label}: sets, policies, profiles, WEP, SAs, namespaces, InSync`);
  t.equal(kinds[kinds.length - 1], 'inSync', `${label}: InSync last`);
  const sent = new Set(lines.filter((m) => m.ipsetUpdate).map((m) => m.ipsetUpdate.id));
  const used = new Set<string>();
  for (const m of lines) {
    const body = m.activePolicyUpdate?.policy ?? m.activeProfileUpdate?.profile;
    for (const rule of [...(body?.inboundRules ?? []), ...(body?.outboundRules ?? [])]) {
      for (const [field, ids] of Object.entries(rule)) if (/IpSetIds$/.test(field)) for (const id of ids as string[]) used.add(id);
    }
  }
  t.same([...used].filter((id) => !sent.has(id)), [], `${label}: every IP set a rule uses was sent first`);
  t.same([...sent].filter((id) => !used.has(id)), [], `${label}: no IP set that no rule uses`);
  const wep = lines.find((m) => m.workloadEndpointUpdate)?.workloadEndpointUpdate.endpoint;
  const policies = lines.filter((m) => m.activePolicyUpdate).map((m) => m.activePolicyUpdate.id.name).sort();
  const referenced = [...new Set((wep?.tiers ?? []).flatMap((tier: any) => [...(tier.ingressPolicies ?? []), ...(tier.egressPolicies ?? [])]))].sort();
  t.same(policies, referenced, `${label}: exactly the policies the endpoint references`);
}

for (const example of ['bank', 'bookinfo']) {
  t.test(`alpsim compile on scenarios/${example}: every workload's join sequence keeps Felix's guarantees`, { skip: !fs.existsSync(path.join(SCENARIOS, example)) && `scenarios/${example} missing` }, async (t) => {
    // In process (the command's own code path) to keep the suite fast; the CLI surface is tested above.
    const inputs = [path.join(SCENARIOS, example)];
    const state = new ResourceSet({}, await loadResources(inputs)).compute();
    t.ok(state.endpoints.size >= 3);
    for (const workload of state.endpoints.keys()) {
      const { workloadKey, messages } = await compileWorkload(inputs, workload);
      t.equal(workloadKey, workload);
      checkJoinInvariants(t, messages, workload);
    }
  });
}

t.test('--workload <ns>/<deployment> picks its only pod; several pods are an error', { skip: !fs.existsSync(path.join(SCENARIOS, 'bookinfo')) && 'scenarios missing' }, async (t) => {
  const inputs = [path.join(SCENARIOS, 'bookinfo')];
  t.match((await compileWorkload(inputs, 'bookinfo/productpage-v1')).workloadKey, /^bookinfo\/productpage-v1-/);
  await t.rejects(compileWorkload(inputs, 'bookinfo/reviews'), { userError: true, message: /ambiguous; pick one of: bookinfo\/reviews-v1-/ });
});
