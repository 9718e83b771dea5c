import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { parseProfile, runProfile } from '../src/index';

function tempResults(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cf-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('churn: the feeder and probe in their own process push updates the probe observes', async (t) => {
  const profile = parseProfile(
    ['name: churn-test', 'seed: 1', 'path: direct', 'floor: false',
      'traffic: {mode: closed, concurrency: 2, duration: 1500ms, warmup: 200ms}',
      'churn: {rate: 10, probeInterval: 1ms}', 'stores: [{rules: 10}]'].join('\n'),
    'churn-test.yaml',
  );
  const result = await runProfile(profile, { resultsDir: tempResults(t), log: () => {} });
  const churn = result.stores[0].churn;
  t.ok(churn, 'churn figures are reported');
  t.ok(churn!.updatesSent >= 10, `updates were pushed (${churn!.updatesSent})`);
  t.ok(churn!.observed > 0, `the probe saw updates take effect (${churn!.observed})`);
  t.ok(churn!.probeChecks > 0);
  t.equal(churn!.failedChecks, 0, 'no Check of the main traffic failed');
  t.ok(churn!.propagation.p50 > 0);
  t.ok((result.stores[0].sut?.completed ?? 0) > 0, 'the load ran in this process meanwhile');
});

t.test('full path: with and without ext_authz measured in alternating slices', async (t) => {
  const profile = parseProfile(
    ['name: full-path-test', 'seed: 1', 'path: full', 'slices: 2',
      'traffic: {mode: closed, concurrency: 2, duration: 1s, warmup: 200ms}', 'stores: [{rules: 10}]'].join('\n'),
    'full-path-test.yaml',
  );
  const result = await runProfile(profile, { resultsDir: tempResults(t), log: () => {} });
  const fp = result.stores[0].fullPath!;
  t.ok(fp, 'full-path figures are reported');
  for (const [side, m] of [['with', fp.withAuthz], ['without', fp.withoutAuthz]] as const) {
    t.equal(m.windows?.length, 2, `${side} ext_authz: one window per slice`);
    t.ok(m.completed > 0 && m.errors === 0 && m.unexpected === 0, `${side} ext_authz: requests answered 200`);
  }
  const [a, b] = [fp.withAuthz.windows!, fp.withoutAuthz.windows!];
  t.ok(a[0][1] <= b[0][0] && b[0][1] <= a[1][0], 'slices alternate: with, without, with, without');
  t.equal(fp.addedP50Ms, fp.withAuthz.latency.p50 - fp.withoutAuthz.latency.p50);
});
