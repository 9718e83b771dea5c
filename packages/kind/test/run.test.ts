// `kind run`'s orchestration (order of kubectl calls, waiting, steps between Job rounds, log → result
// mapping, clean-up, failures). No cluster can run here, so kubectl is a small stand-in executable that
// records its arguments and answers from a state directory; the real kubectl is exercised in cli.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { loadScenarios, resolveScenario, type ResolvedScenario } from '@alpsim/scenario';
import { exportScenario, type KindExport } from '../src/export';
import { Kubectl } from '../src/kubectl';
import { checkCluster, runExportedScenario } from '../src/run';
import { compareWithEngine, comparisonNotes } from '../src/compare';
import { loadVersions } from '../src/versions';
import { writeExport } from '../src/write';
import { REPO_ROOT } from './helpers/validate';

const STAND_IN = `#!/bin/sh
# kubectl stand-in: records its arguments, answers from $FAKE_KUBECTL_STATE.
state="$FAKE_KUBECTL_STATE"
printf '%s\n' "$*" >> "$state/calls.txt"
if [ "$1" = --context ]; then shift 2; fi
case "$1" in
  wait) if [ -e "$state/unready" ]; then echo 'error: timed out waiting for the condition' >&2; exit 1; fi ;;
  get) if [ "$2" = job ]; then if [ -e "$state/fail-$3" ]; then printf ',1'; else printf '1,'; fi; fi ;;
  logs) f="$state/logs/\${2#job/}.log"; if [ -e "$f" ]; then cat "$f"; fi ;;
esac
exit 0
`;

const versions = loadVersions();

async function scenario(name: string): Promise<ResolvedScenario> {
  const [s] = await loadScenarios([path.join(REPO_ROOT, 'scenarios', `${name}.yaml`)]);
  return resolveScenario(s);
}

function line(id: string, status: string, reachedApp: boolean, curlExit = 0): string {
  return JSON.stringify({ kind: 'alpsim-result', id, status, curlExit, reachedApp });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setup(t: { testdir(fixture: any): string }, resolved: ResolvedScenario, logs: Record<string, string[]>, flags: string[] = []) {
  const root = t.testdir({ state: { logs: {} }, manifests: {}, bin: {} });
  const state = path.join(root, 'state');
  for (const [job, lines] of Object.entries(logs)) fs.writeFileSync(path.join(state, 'logs', `${job}.log`), `sidecar noise\n${lines.join('\n')}\n`);
  for (const f of flags) fs.writeFileSync(path.join(state, f), '');
  const bin = path.join(root, 'bin', 'kubectl');
  fs.writeFileSync(bin, STAND_IN, { mode: 0o755 });
  process.env.FAKE_KUBECTL_STATE = state;
  const exp: KindExport = exportScenario(resolved, { versions });
  const dir = path.join(root, 'manifests');
  writeExport(exp, dir);
  // Context flag stripped, manifest paths made relative, the shrinking wait deadline normalised.
  const calls = () =>
    fs.readFileSync(path.join(state, 'calls.txt'), 'utf8').trim().split('\n')
      .map((l) => l.replace(/^--context kind-test /, '').split(dir + path.sep).join('').replace(/^(wait .*--timeout=)\d+s$/, '$1Ns'));
  return { exp, dir, kubectl: new Kubectl('kind-test', bin), calls };
}

t.test('quickstart: apply, wait, Jobs, logs → results, clean-up', async (t) => {
  const resolved = await scenario('quickstart');
  const { exp, dir, kubectl, calls } = setup(t, resolved, {
    'alpsim-r-frontend': [line('requests[0]', '200', true), line('requests[1]', '200', false), line('requests[2]', '403', false)],
    'alpsim-r-intruder': [line('requests[3]', '000', false, 28)],
  });
  const result = await runExportedScenario(resolved, exp, { kubectl, dir, timeoutSeconds: 30, keep: false });
  t.equal(result.error, undefined);
  t.same(result.results.map((r) => [r.request.id, r.got, r.met]), [
    ['requests[0]', 'allow', true],
    ['requests[1]', 'allow', true],
    ['requests[2]', 'deny', true],
    ['requests[3]', 'deny', true],
  ]);
  t.equal(result.results[3].detail, 'no response: curl exit 28 (timeout)');
  t.same(comparisonNotes(compareWithEngine(resolved, result)), ["alpsim's engine agrees on 4/4 verdicts"]);
  const cleanUp = ['delete -f 20-policies.yaml --ignore-not-found --wait=true --timeout=60s', 'delete namespace shop --ignore-not-found --wait=true --timeout=60s'];
  t.same(calls(), [
    ...cleanUp,
    'apply -f 00-namespaces.yaml',
    'apply -f 10-serviceaccounts.yaml',
    'apply -f 20-policies.yaml',
    'apply -f 30-workloads.yaml',
    'wait --for=condition=Ready pod/frontend -n shop --timeout=Ns',
    'wait --for=condition=Ready pod/backend -n shop --timeout=Ns',
    'wait --for=condition=Ready pod/intruder -n shop --timeout=Ns',
    'apply -f 40-requests.yaml',
    'get job alpsim-r-frontend -n shop -o jsonpath={.status.succeeded},{.status.failed}',
    'logs job/alpsim-r-frontend -n shop -c client',
    'get job alpsim-r-intruder -n shop -o jsonpath={.status.succeeded},{.status.failed}',
    'logs job/alpsim-r-intruder -n shop -c client',
    ...cleanUp,
  ], 'leftovers removed first, then kubectl calls in order, clean-up last (context flag stripped)');
});

t.test('a missing result line is a harness failure naming the Job', async (t) => {
  const resolved = await scenario('quickstart');
  const { exp, dir, kubectl } = setup(t, resolved, { 'alpsim-r-frontend': [line('requests[0]', '200', true)] });
  const result = await runExportedScenario(resolved, exp, { kubectl, dir, timeoutSeconds: 30, keep: true });
  t.equal(result.results.length, 1);
  t.match(result.error, /Job shop\/alpsim-r-\w+ printed no result for requests\[\d\] \(see kubectl logs job\/alpsim-r-\w+ -n shop\)/);
});

t.test('checkCluster: the context must answer', async (t) => {
  const resolved = await scenario('quickstart');
  const { kubectl, calls } = setup(t, resolved, {});
  await t.resolves(checkCluster(kubectl, 'kind-test'));
  t.same(calls(), ['get namespace default -o name --request-timeout=20s']);
  const failing = new Kubectl('kind-test', '/bin/false');
  await t.rejects(checkCluster(failing, 'kind-test'), { message: /no reachable cluster at kubectl context kind-test/, userError: true });
});

t.test('pods that never get Ready: nothing is sent, objects are still cleaned up', async (t) => {
  const resolved = await scenario('quickstart');
  const { exp, dir, kubectl, calls } = setup(t, resolved, {}, ['unready']);
  const result = await runExportedScenario(resolved, exp, { kubectl, dir, timeoutSeconds: 30, keep: false });
  t.match(result.error, /pod shop\/frontend not Ready within 30s: error: timed out waiting for the condition/);
  t.same(result.results, []);
  const made = calls();
  t.notOk(made.some((c) => c.includes('40-requests.yaml')), 'no Job was applied');
  t.equal(made[made.length - 1], 'delete namespace shop --ignore-not-found --wait=true --timeout=60s', 'cleaned up after the failure');
});

t.test('policy-change: step files between Job rounds, step numbers kept, --keep leaves everything', async (t) => {
  const resolved = await scenario('policy-change');
  const jobsLog: Record<string, string[]> = {};
  const exp0 = exportScenario(resolved, { versions });
  for (const action of exp0.plan) {
    if (action.kind !== 'jobs') continue;
    for (const job of action.jobs) jobsLog[job.name] = job.requestIds.map((id) => line(id, '200', true));
  }
  const { exp, dir, kubectl, calls } = setup(t, resolved, jobsLog);
  const result = await runExportedScenario(resolved, exp, { kubectl, dir, timeoutSeconds: 30, keep: true });
  t.equal(result.error, undefined);
  const sequence = calls().filter((c) => c.startsWith('apply') || c.startsWith('delete'));
  t.same(sequence, [
    'delete -f 60-step-004-apply.yaml --ignore-not-found --wait=true --timeout=60s',
    'delete -f 60-step-000-apply.yaml --ignore-not-found --wait=true --timeout=60s',
    'delete namespace jobs shop --ignore-not-found --wait=true --timeout=60s',
    'apply -f 00-namespaces.yaml',
    'apply -f 10-serviceaccounts.yaml',
    'apply -f 30-workloads.yaml',
    'apply -f 40-requests.yaml',
    'apply -f 60-step-000-apply.yaml',
    'apply -f 60-step-001-requests.yaml',
    'apply -f 60-step-004-apply.yaml',
    'apply -f 60-step-005-requests.yaml',
    'delete -f 60-step-007-delete.yaml',
    'apply -f 60-step-008-requests.yaml',
  ], 'leftovers removed; no policies at first (empty file skipped); steps in order; nothing deleted at the end with --keep');
  const steps = result.results.map((r) => r.step);
  t.same(steps, [undefined, undefined, 1, 2, 3, 5, 6, 8]);
  // Every request answered 200 here, so the expected denies are reported unmet: the table is honest,
  // and each of them is named as a disagreement with alpsim's engine, with the engine's reason.
  const notes = comparisonNotes(compareWithEngine(resolved, result));
  t.equal(notes[0], "alpsim's engine agrees on 5/8 verdicts");
  t.match(notes[1], /^differs from alpsim: "web may no longer delete" \(steps\[2\]\.request\): kind allow \(OK\), alpsim engine deny — /);
  t.equal(result.results.filter((r) => !r.met).length, resolved.requests.concat(resolved.steps.flatMap((s) => (s.kind === 'request' ? [s.request] : []))).filter((r) => r.expect === 'deny').length);
});

t.test('workloads in namespace default: only our objects are deleted, never the namespace', async (t) => {
  const dir = t.testdir({
    's.yaml': `apiVersion: alpsim/v1
kind: Scenario
metadata: {name: in-default}
spec:
  workloads:
    - {name: a, namespace: default, serviceAccount: a, labels: {app: a}, ip: 10.0.5.1}
    - {name: b, namespace: default, serviceAccount: default, labels: {app: b}, ip: 10.0.5.2}
  requests:
    - {name: a to b, from: default/a, to: default/b, expect: allow}
`,
  });
  const [s] = await loadScenarios([path.join(dir, 's.yaml')]);
  const resolved = await resolveScenario(s);
  const { exp, dir: manifests, kubectl, calls } = setup(t, resolved, { 'alpsim-r-a': [line('requests[0]', '200', true)] });
  const result = await runExportedScenario(resolved, exp, { kubectl, dir: manifests, timeoutSeconds: 30, keep: false });
  t.equal(result.error, undefined);
  const deletes = calls().filter((c) => c.startsWith('delete'));
  const ours = 'delete -n default serviceaccount/a pod/a service/a pod/b service/b job/alpsim-r-a --ignore-not-found --wait=true --timeout=60s';
  t.same(deletes, [ours, ours], 'before and after the run');
});
