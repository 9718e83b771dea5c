import * as path from 'node:path';
import t from 'tap';
import { parseScenarioFile, parseScenarioText } from '../src/parse';

const fixtures = path.resolve(__dirname, '../../test/fixtures');

t.test('a valid file with two scenarios and every field', async (t) => {
  const scenarios = parseScenarioFile(path.join(fixtures, 'valid.yaml'));
  t.equal(scenarios.length, 2);
  const [bank, second] = scenarios;
  t.equal(bank.name, 'bank-basic');
  t.equal(bank.compat, '3.28');
  t.equal(bank.trustDomain, 'cluster.local');
  t.equal(bank.resources.length, 2);
  t.match(bank.resources[0], { kind: 'file', pattern: 'res/*.yaml', baseDir: fixtures });
  t.match(bank.resources[1], { kind: 'inline', object: { kind: 'GlobalNetworkPolicy', metadata: { name: 'x' } }, pos: { line: 10 } });
  t.same(bank.workloads.map((w) => w.key), ['bank/customer', 'bank/summary']);
  t.same(bank.workloads[1].ports, [{ port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'UDP' }]);
  t.equal(bank.workloads[1].serviceAccount, 'default');
  t.equal(bank.workloads[1].sidecar, true);
  const [first, plain] = bank.requests;
  t.match(first, {
    name: 'customer reads summary',
    from: { kind: 'workload', key: 'bank/customer' },
    to: 'bank/summary',
    port: 8080,
    method: 'POST',
    path: '/summary?x=1',
    headers: { 'x-user': 'alice' },
    expect: 'allow',
    pos: { line: 16, col: 7 },
  });
  t.match(plain, { from: { kind: 'ip', ip: '10.9.9.9' }, port: undefined, method: 'GET', path: '/', expect: 'deny' });
  t.same(bank.steps.map((s) => s.kind), ['apply', 'delete', 'request', 'fault', 'fault']);
  t.match(bank.steps[1], { refs: [{ kind: 'GlobalNetworkPolicy', name: 'x' }] });
  t.match(bank.steps[4], { fault: 'dikastes-stop', workload: 'bank/summary' });
  t.equal(second.name, 'second');
  t.equal(second.compat, '3.28', 'default compat is that of our dikastes');
  t.match(second.requests[0], { from: { key: 'default/a' }, to: 'default/a' });
});

t.test('invalid file: every problem reported as file:line:col: field.path: expected', async (t) => {
  const file = path.join(fixtures, 'invalid.yaml');
  let message = '';
  try {
    parseScenarioFile(file);
  } catch (error) {
    t.equal((error as { userError?: boolean }).userError, true);
    t.equal((error as { exitCode?: number }).exitCode, 2);
    message = (error as Error).message;
  }
  const lines = message.split('\n').slice(1).map((l) => l.trim());
  t.same(lines, [
    `${file}:5:11: spec.compat: expected one of 3.2 | 3.28 | 3.29, got "9.9"`,
    `${file}:7:14: spec.workloads[0].name: expected a pod name (lower-case DNS name), got "Customer"`,
    `${file}:7:28: spec.workloads[0].ip: expected an IPv4 address (e.g. 10.0.0.5), got "10.0.0.300"`,
    `${file}:11:15: spec.requests[0].expect: expected one of allow | deny, got "maybe"`,
    `${file}:13:14: spec.steps[0].fault: expected one of felix-restart | dikastes-restart | dikastes-stop | dikastes-slow, got "disk-full"`,
    `${file}:14:7: spec.steps[1]: expected exactly one of apply, delete, request, fault`,
    `${file}:15:3: spec.extra: unknown field; expected one of compat, trustDomain, resources, workloads, requests, steps`,
  ]);
});

t.test('structural mistakes', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['kind: Pod\n', /x\.yaml:1:7: kind: expected one of Scenario, got "Pod"/],
    ['apiVersion: alpsim/v2\nkind: Scenario\nmetadata: {name: a}\nspec: {}\n', /^x\.yaml:1:13: apiVersion: expected one of alpsim\/v1, got "alpsim\/v2"/],
    ['apiVersion: alpsim/v1\nkind: Scenario\nmetadata: {}\nspec: {}\n', /^x\.yaml:3:11: metadata\.name: required: expected a scenario name/],
    ['apiVersion: alpsim/v1\nkind: Scenario\nmetadata: {name: a}\n', /^x\.yaml:1:1: spec: required: expected a mapping/],
    ['apiVersion: alpsim/v1\nkind: Scenario\nmetadata: {name: a}\nspec:\n  requests: {from: a}\n', /^x\.yaml:5:13: spec\.requests: expected a list of requests/],
    ['apiVersion: alpsim/v1\nkind: Scenario\nmetadata: {name: a}\nspec:\n  requests:\n    - {to: a, expect: allow, path: nope}\n', /x\.yaml:6:7: spec\.requests\[0\]\.from: required/],
    ['a: [1, 2\n', /^x\.yaml:\d+:\d+: \(document\): YAML syntax error/],
    ['', /^x\.yaml:1:1: \(document\): expected at least one Scenario document/],
  ];
  for (const [text, pattern] of cases) {
    t.throws(() => parseScenarioText(text, 'x.yaml'), pattern, JSON.stringify(text));
  }
  const dup = 'apiVersion: alpsim/v1\nkind: Scenario\nmetadata: {name: a}\nspec: {}\n---\napiVersion: alpsim/v1\nkind: Scenario\nmetadata: {name: a}\nspec: {}\n';
  t.throws(() => parseScenarioText(dup, 'x.yaml'), /x\.yaml:6:1: metadata\.name: duplicate scenario name "a" \(also at line 1\)/);
});
