// Kubernetes NetworkPolicy conversion (spec §3.10).
import t from 'tap';
import { computeDataplane, k8sLabelSelectorToCalico, k8sNetworkPolicyToCalicoSpec, namedPortIPSetId, policyKey, selectorIPSetId } from '../src/index';
import { yamlResources } from './helpers';

t.test('label selectors', async (t) => {
  t.equal(k8sLabelSelectorToCalico({}, 'pod'), "projectcalico.org/orchestrator == 'k8s'");
  t.equal(k8sLabelSelectorToCalico({}, 'namespace'), 'all()');
  t.equal(
    k8sLabelSelectorToCalico(
      {
        matchLabels: { z: '1', a: '2' },
        matchExpressions: [
          { key: 'k', operator: 'In', values: ['a', 'b'] },
          { key: 'n', operator: 'NotIn', values: ['x'] },
          { key: 'e', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist' },
        ],
      },
      'pod',
    ),
    "projectcalico.org/orchestrator == 'k8s' && a == '2' && z == '1' && k in { 'a', 'b' } && n not in { 'x' } && has(e) && ! has(d)",
  );
  t.equal(k8sLabelSelectorToCalico({ matchLabels: { team: 'x' } }, 'namespace'), "team == 'x'");
});

t.test('types default like the API server', async (t) => {
  t.same(k8sNetworkPolicyToCalicoSpec({ podSelector: {} }).types, ['Ingress']);
  t.same(k8sNetworkPolicyToCalicoSpec({ podSelector: {}, egress: [{}] }).types, ['Ingress', 'Egress']);
  t.same(k8sNetworkPolicyToCalicoSpec({ podSelector: {}, policyTypes: ['Egress'] }).types, ['Egress']);
});

const YAML = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: backend}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: frontend}}
    - namespaceSelector: {matchLabels: {team: ops}}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports:
    - port: 8080
    - {protocol: UDP, port: dns}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: v1
kind: Pod
metadata: {name: backend, namespace: shop, labels: {app: backend}}
spec: {containers: [{name: c, image: x, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}
status: {podIP: 10.2.0.5}
`;

t.test('a Kubernetes NetworkPolicy as Felix sees it', async (t) => {
  const st = computeDataplane(yamlResources(YAML), { compat: '3.2' });
  const p = st.policies.get(policyKey({ tier: 'default', name: 'shop/knp.default.allow-frontend' }))!;
  t.ok(p, 'stored as <ns>/knp.default.<name>');
  t.equal(p.order, 1000);
  t.equal(p.policy.namespace, 'shop');
  t.equal(p.selector, '((projectcalico.org/orchestrator == "k8s" && app == "backend") && projectcalico.org/namespace == "shop")');
  const rules = p.policy.inboundRules!;
  t.equal(rules.length, 6, 'one Allow rule per (port × peer)');
  t.ok(rules.every((r) => r.action === 'allow'));
  t.same(rules[0].protocol, { name: 'tcp' }, 'port without protocol ⇒ TCP');
  t.same(rules[0].dstPorts, [{ first: 8080, last: 8080 }]);
  t.equal(rules[0].originalSrcSelector, "projectcalico.org/orchestrator == 'k8s' && app == 'frontend'");
  t.same(rules[0].srcIpSetIds, [selectorIPSetId('(projectcalico.org/namespace == "shop" && (projectcalico.org/orchestrator == "k8s" && app == "frontend"))')]);
  t.equal(rules[1].originalSrcNamespaceSelector, "team == 'ops'");
  t.equal(rules[1].originalSrcSelector, "projectcalico.org/orchestrator == 'k8s'", 'a missing podSelector still selects k8s pods');
  t.same(rules[1].srcIpSetIds, [selectorIPSetId('(pcns.team == "ops" && projectcalico.org/orchestrator == "k8s")')]);
  t.same(rules[2].srcNet, ['10.0.0.0/8']);
  t.same(rules[2].notSrcNet, ['10.1.0.0/16']);
  t.notOk(rules[2].srcIpSetIds);
  t.same(rules[3].protocol, { name: 'udp' });
  t.same(rules[3].dstNamedPortIpSetIds, [namedPortIPSetId('all()', 'udp', 'dns')]);
  t.same([...st.ipSets.get(namedPortIPSetId('all()', 'udp', 'dns'))!.members], ['10.2.0.5,udp:53']);
  const deny = st.policies.get(policyKey({ tier: 'default', name: 'shop/knp.default.deny-all' }))!;
  t.same(deny.policy, { namespace: 'shop' }, 'no rules at all');
  t.same(st.endpoints.get('shop/backend')!.endpoint.tiers, [
    {
      name: 'default',
      ingressPolicies: ['shop/knp.default.allow-frontend', 'shop/knp.default.deny-all'],
      egressPolicies: ['shop/knp.default.deny-all'],
    },
  ]);
});

t.test('ports: 2018 makes one rule per port; modern groups by protocol and merges ranges', async (t) => {
  const spec = {
    podSelector: {},
    ingress: [{ ports: [{ port: 81 }, { port: 80 }, { protocol: 'UDP', port: 53 }, { port: 'http' }, { port: 82 }, { protocol: 'SCTP' }] }],
  };
  const old = k8sNetworkPolicyToCalicoSpec(spec, '3.2').ingress;
  t.same(old.map((r: any) => [r.protocol, r.destination?.ports]), [
    ['TCP', [81]],
    ['TCP', [80]],
    ['UDP', [53]],
    ['TCP', ['http']],
    ['TCP', [82]],
    ['SCTP', undefined],
  ]);
  const modern = k8sNetworkPolicyToCalicoSpec(spec, '3.28').ingress;
  t.same(modern.map((r: any) => [r.protocol, r.destination?.ports]), [
    ['SCTP', undefined],
    ['TCP', ['http', '80:82']],
    ['UDP', [53]],
  ]);
  // The API server defaults NetworkPolicyPort.protocol to TCP before libcalico-go sees it (spec §3.10).
  t.same(k8sNetworkPolicyToCalicoSpec({ podSelector: {}, ingress: [{ ports: [{}] }] }, '3.2').ingress, [{ action: 'Allow', protocol: 'TCP' }], '2018: an empty port entry is TCP');
  t.same(k8sNetworkPolicyToCalicoSpec({ podSelector: {}, ingress: [{ ports: [{}] }] }, '3.28').ingress, [{ action: 'Allow', protocol: 'TCP' }], 'modern: TCP is explicit');
});
