// The example resource sets under scenarios/ stay valid and mean what their comments say.
import * as path from 'node:path';
import t from 'tap';
import { computeDataplane, loadResources, policyKey, type Compat } from '../src/index';

const SCENARIOS = path.resolve(__dirname, '..', '..', '..', '..', 'scenarios');

const sets: [string, Compat[]][] = [
  ['bank', ['3.2', '3.28', '3.29']],
  ['bookinfo', ['3.2', '3.28', '3.29']],
  ['shop', ['3.29']],
];

for (const [dir, compats] of sets) {
  for (const compat of compats) {
    t.test(`${dir} loads at compat ${compat}`, async (t) => {
      const rs = await loadResources([path.join(SCENARIOS, dir)], { compat });
      const st = computeDataplane(rs, { compat });
      t.ok(st.endpoints.size > 0, 'has workloads');
      t.ok(st.policies.size > 0, 'has active policies');
      for (const ep of st.endpoints.values()) t.ok(ep.ips.length > 0, `${ep.key} has an IP`);
    });
  }
}

t.test('shop is rejected before tiers existed', async (t) => {
  await t.rejects(loadResources([path.join(SCENARIOS, 'shop')], { compat: '3.28' }), { userError: true, message: /Tier resources exist from Calico v3\.29/ });
});

t.test('bookinfo: ratings accepts only reviews v2/v3 running as bookinfo-reviews', async (t) => {
  const rs = await loadResources([path.join(SCENARIOS, 'bookinfo')], { compat: '3.2' });
  const st = computeDataplane(rs, { compat: '3.2' });
  const ratings = st.policies.get(policyKey({ tier: 'default', name: 'bookinfo/default.ratings' }))!;
  const setId = ratings.policy.inboundRules![0].srcIpSetIds![0];
  const members = [...st.ipSets.get(setId)!.members].sort();
  const reviewsV23 = [...st.endpoints.values()].filter((e) => e.labels.app === 'reviews' && e.labels.version !== 'v1').map((e) => `${e.ips[0]}/32`).sort();
  t.same(members, reviewsV23);
});
