import * as path from 'node:path';
import { loadResources } from '@alpsim/calico';
import t from 'tap';
import { diffPolicies, generateRequests, namedMethodsAndPaths, renderDiff } from '../src/diff';
import { fixtures, resolved, scenariosDir } from './helpers';

t.test('diff of two policy versions over the scenario requests and generated requests', async (t) => {
  const [quick] = await resolved(path.join(scenariosDir, 'quickstart.yaml'));
  const before = await loadResources([path.join(fixtures, 'diff', 'before.yaml')], { compat: '3.28' });
  const after = await loadResources([path.join(fixtures, 'diff', 'after.yaml')], { compat: '3.28' });

  const same = diffPolicies(quick, before, before, { generate: false });
  t.equal(same.changes.length, 0, 'a version compared with itself changes nothing');

  const scenarioDiff = diffPolicies(quick, before, after, { generate: false });
  t.equal(scenarioDiff.compared, 4);
  t.same(
    scenarioDiff.changes.map((c) => `${c.before.request.method} ${c.before.request.path}: ${c.before.got} -> ${c.after.got}`),
    ['HEAD /api/health: allow -> deny'],
  );

  t.same(namedMethodsAndPaths([...before, ...after]), { methods: ['GET', 'HEAD', 'POST'], paths: ['/', '/api/', '/api/items', '/api/orders', '/api/public'] });
  const generated = generateRequests(quick, [...before, ...after]);
  // 3 workloads -> 6 ordered pairs; each destination has one port; 3 methods x 5 paths.
  t.equal(generated.length, 6 * 3 * 5);

  const report = diffPolicies(quick, before, after, { generate: true });
  const lines = report.changes.map((c) => `${c.before.request.from.kind === 'workload' ? c.before.request.from.key : ''} -> ${c.before.request.to} ${c.before.request.method} ${c.before.request.path}: ${c.before.got} -> ${c.after.got}`);
  t.same(lines.sort(), [
    'shop/frontend -> shop/backend GET /api/: allow -> deny',
    'shop/frontend -> shop/backend GET /api/orders: allow -> deny',
    'shop/frontend -> shop/backend HEAD /api/: allow -> deny',
    'shop/frontend -> shop/backend HEAD /api/orders: allow -> deny',
    'shop/frontend -> shop/backend HEAD /api/public: allow -> deny',
    'shop/frontend -> shop/backend POST /api/orders: deny -> allow',
    'shop/intruder -> shop/backend GET /api/public: deny -> allow',
  ]);
  const text = renderDiff(report);
  t.match(text, /^quickstart: 7 of 90 requests change verdict/);
  t.match(text, /POST \/api\/orders\n {6}before: deny {3}no policy in tier default matched: end-of-tier deny\n {6}after: {2}allow {2}GlobalNetworkPolicy backend-api ingress\[1\] \(allow\)/);
  // frontend GET /api/public stays allowed: the new rule 2 admits anyone.
});
