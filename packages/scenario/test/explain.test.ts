import * as path from 'node:path';
import t from 'tap';
import { computeCoverage, renderCoverage } from '../src/coverage';
import { evaluateInProcess } from '../src/engine-run';
import { policyOrigin } from '../src/explain';
import { resolved, scenariosDir } from './helpers';

t.test('explanations name the Calico resource and rule, and why earlier rules failed', async (t) => {
  const [bookinfo] = await resolved(path.join(scenariosDir, 'bookinfo.yaml'));
  const result = evaluateInProcess(bookinfo, { explain: true });
  const byName = new Map(result.results.map((r) => [r.request.name, r]));
  const file = bookinfo.scenario.file;

  const login = byName.get('login form posts')!;
  t.equal(login.decision?.summary, 'NetworkPolicy bookinfo/productpage ingress[1] (allow)');
  t.equal(login.decision?.ruleKey, 'NetworkPolicy bookinfo/productpage ingress[1]');
  t.same(login.decision?.details, [
    'OK: decided by tier default, policy bookinfo/default.productpage, rule 1 (allow)',
    `tier default: NetworkPolicy bookinfo/productpage (${file}:15): allow`,
    '  ingress[0] allow: http.methods ["GET"] did not match (request method is POST)',
    '  ingress[1] allow: matched',
  ]);

  const v1 = byName.get('reviews v1 never calls ratings')!;
  t.equal(v1.got, 'deny');
  t.equal(v1.decision?.summary, 'no policy in tier default matched: end-of-tier deny');
  t.equal(v1.decision?.ruleKey, undefined);
  t.same(v1.decision?.details?.slice(1), [
    `tier default: NetworkPolicy bookinfo/ratings (${file}:48): no-match`,
    `  ingress[0] deny: source.namespaceSelector "projectcalico.org/name == 'gateway'" did not match (source namespace is bookinfo)`,
    `  ingress[1] allow: source.selector "version in {'v2', 'v3'}" did not match (source address is 10.1.0.31)`,
  ]);

  const gateway = byName.get('the gateway may not read details')!;
  t.match(gateway.decision?.details?.[2], /ingress\[0\] allow: source\.serviceAccounts\.names \["bookinfo-productpage"\] did not match \(source is service account gateway\/default\)/);

  const denyRule = byName.get('the gateway is denied by rule')!;
  t.equal(denyRule.decision?.summary, 'NetworkPolicy bookinfo/ratings ingress[0] (deny)');
});

t.test('profiles and identity failures are explained too', async (t) => {
  const [change] = await resolved(path.join(scenariosDir, 'policy-change.yaml'));
  const result = evaluateInProcess(change, { explain: true });
  t.equal(result.results[0].decision?.summary, 'profile kns.shop rule 0 (allow)');
  const bankResult = evaluateInProcess((await resolved(path.join(scenariosDir, 'bank.yaml')))[0], { explain: true });
  const plain = bankResult.results.find((r) => r.request.from.kind === 'ip')!;
  t.equal(plain.got, 'deny');
  t.match(plain.decision?.summary, /^no client certificate: the destination sidecar requires mTLS/);
});

t.test('policy names map back to resources', async (t) => {
  const resources = (await resolved(path.join(scenariosDir, 'bookinfo.yaml')))[0].resources;
  t.match(policyOrigin('bookinfo/default.ratings', 'default', resources), { kind: 'NetworkPolicy', namespace: 'bookinfo', name: 'ratings', label: 'NetworkPolicy bookinfo/ratings' });
  t.ok(policyOrigin('bookinfo/default.ratings', 'default', resources).resource);
  t.match(policyOrigin('default.x', 'default', []), { kind: 'GlobalNetworkPolicy', namespace: '', name: 'x' });
  t.match(policyOrigin('ns/knp.default.web', 'default', []), { kind: 'K8sNetworkPolicy', namespace: 'ns', name: 'web' });
  t.match(policyOrigin('security.block', 'security', []), { kind: 'GlobalNetworkPolicy', name: 'block' });
});

t.test('coverage counts the requests each rule decided and lists rules never hit', async (t) => {
  const [quick] = await resolved(path.join(scenariosDir, 'quickstart.yaml'));
  // Add a rule no request reaches.
  const extra = structuredClone(quick.resources.find((r) => r.name === 'backend-api')!);
  extra.object.spec.ingress.push({ action: 'Allow', http: { methods: ['OPTIONS'] } });
  const resources = quick.resources.map((r) => (r.name === 'backend-api' ? extra : r));
  const result = evaluateInProcess({ ...quick, resources }, { explain: false, resources });
  const coverage = computeCoverage(result, resources);
  t.same(coverage.rows, [
    { rule: 'GlobalNetworkPolicy backend-api ingress[0]', hits: 2 },
    { rule: 'GlobalNetworkPolicy backend-api ingress[1]', hits: 0 },
  ]);
  t.same(coverage.neverHit, ['GlobalNetworkPolicy backend-api ingress[1]']);
  t.same([...coverage.otherDecisions], [['no policy in tier default matched: end-of-tier deny', 2]]);
  const text = renderCoverage(coverage);
  t.match(text, /^coverage of quickstart: 1\/2 policy rules decided at least one request/);
  t.match(text, /never hit:\n {4}GlobalNetworkPolicy backend-api ingress\[1\]$/);
});
