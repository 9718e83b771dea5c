// Golden test: the worked example of Felix's FV test fv/policysync_test.go@v3.3.0 (spec §3.8).
import t from 'tap';
import { computeDataplane, policyKey } from '../src/index';
import { plain, yamlResources } from './helpers';

const YAML = `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: policy-0}
spec:
  selector: all()
  ingress:
  - action: Allow
    source:
      selector: all()
      serviceAccounts: {selector: "foo == 'bar'"}
    http:
      methods: [GET]
      paths: [{exact: /path}]
  egress:
  - action: Allow
---
apiVersion: v1
kind: Pod
metadata: {name: workload-0, namespace: fv}
spec:
  containers: [{name: c, image: busybox}]
status: {podIP: 10.65.0.2}
`;

t.test('GNP policy-0 becomes exactly the Policy the FV test expects', async (t) => {
  const state = computeDataplane(yamlResources(YAML), { compat: '3.2' });
  const info = state.policies.get(policyKey({ tier: 'default', name: 'default.policy-0' }));
  t.ok(info, 'policy active');
  t.same(info!.id, { tier: 'default', name: 'default.policy-0' });
  const policy = plain(info!.policy) as any;
  // rule ids are ours (UNVERIFIED vs Go bytes); everything else must match the FV expectation exactly.
  t.match(policy.inboundRules[0].ruleId, /^[A-Za-z0-9_-]{16}$/);
  t.match(policy.outboundRules[0].ruleId, /^[A-Za-z0-9_-]{16}$/);
  delete policy.inboundRules[0].ruleId;
  delete policy.outboundRules[0].ruleId;
  t.strictSame(policy, {
    inboundRules: [
      {
        action: 'allow',
        originalSrcSelector: 'all()',
        srcIpSetIds: ['s:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw'],
        srcServiceAccountMatch: { selector: "foo == 'bar'" },
        httpMatch: { methods: ['GET'], paths: [{ exact: '/path' }] },
      },
    ],
    outboundRules: [{ action: 'allow' }],
  });
  const wep = state.endpoints.get('fv/workload-0')!;
  t.same(wep.endpoint.tiers, [{ name: 'default', ingressPolicies: ['default.policy-0'], egressPolicies: ['default.policy-0'] }]);
  const set = state.ipSets.get('s:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw')!;
  t.equal(set.selector, '(pcsa.foo == "bar" && all())');
  t.same([...set.members], [], 'the default SA has no foo label: no members');
});

t.test('the set gains the pod once its service account carries foo=bar', async (t) => {
  const extra = `
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: fv, labels: {foo: bar}}
`;
  const state = computeDataplane(yamlResources(YAML + extra), { compat: '3.2' });
  t.same([...state.ipSets.get('s:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw')!.members], ['10.65.0.2/32']);
  t.same(state.serviceAccounts.get('fv/default'), { id: { namespace: 'fv', name: 'default' }, labels: { foo: 'bar' } });
});
