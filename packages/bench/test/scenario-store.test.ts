import * as path from 'node:path';
import t from 'tap';
import { parseProfile, scenarioStore } from '../src/index';

const QUICKSTART = path.resolve(__dirname, '..', '..', '..', '..', 'scenarios', 'quickstart.yaml');

t.test("a store and traffic taken from a scenario's own resources", async (t) => {
  const store = await scenarioStore(QUICKSTART);
  t.equal(store.workloadKey, 'shop/backend', 'the destination with the most requests');
  t.equal(Object.keys(store.messages[store.messages.length - 1])[0], 'inSync');
  t.ok(store.messages.some((m) => m.workloadEndpointUpdate), 'the endpoint is in the join sequence');
  t.equal(store.stats.policies, 1);
  t.same(store.requests.map((r) => r.expectedCode), [0, 0, 7, 7], 'allow → OK, deny → PERMISSION_DENIED, in scenario order');
  t.equal(store.requests[2].request.attributes?.request?.http?.method, 'DELETE');
  await t.rejects(scenarioStore(QUICKSTART, 'shop/nowhere'), { message: /no workload shop\/nowhere/ });
});

t.test('profiles accept scenario stores relative to the profile file', async (t) => {
  const p = parseProfile('stores:\n  - scenario: ../scenarios/quickstart.yaml\n    workload: shop/backend\n', '/repo/bench/p.yaml');
  t.same(p.stores[0].scenario, { file: '/repo/scenarios/quickstart.yaml', workload: 'shop/backend' });
  t.equal(p.stores[0].name, 'scenario quickstart.yaml');
  t.throws(() => parseProfile('stores:\n  - scenario: x.yaml\n    workload: nope\n', 'p.yaml'), { message: /p\.yaml:3:15: stores\.0\.workload: expected <namespace>\/<name>/ });
});
