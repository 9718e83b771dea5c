// computeDataplane behaviour (spec §3): names, ordering, types, IP sets and members, profiles,
// namespace/SA records per compat, anti-spoofing, WEP contents, tiers.
import { createHash } from 'node:crypto';
import t from 'tap';
import { IPSetType } from '@alpsim/proto';
import { computeDataplane, namedPortIPSetId, policyKey, selectorIPSetId } from '../src/index';
import { plain, yamlResources } from './helpers';

const BASE = `
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web-sa, namespace: prod, labels: {role: frontend}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: prod
  labels: {app: web, pcns.env: spoofed, pcsa.role: spoofed}
spec:
  serviceAccountName: web-sa
  containers:
  - name: c
    image: nginx
    ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: prod, labels: {app: db}}
spec:
  containers: [{name: c, image: pg, ports: [{name: http, containerPort: 9090}]}]
status: {podIPs: [{ip: 10.0.0.2}, {ip: "fd00::2"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: dev, labels: {app: tool}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.1.1}
`;

const sorted = (s: Set<string> | undefined) => [...(s ?? [])].sort();

t.test('WEP contents, labels, anti-spoofing, profiles', async (t) => {
  const st = computeDataplane(yamlResources(BASE), { compat: '3.2' });
  const web = st.endpoints.get('prod/web-1')!;
  t.same(web.id, { orchestratorId: 'k8s', workloadId: 'prod/web-1', endpointId: 'eth0' });
  t.equal(web.endpoint.state, 'active');
  t.equal(web.endpoint.name, 'cali' + createHash('sha1').update('prod.web-1').digest('hex').slice(0, 11));
  t.same(web.endpoint.profileIds, ['kns.prod', 'ksa.prod.web-sa']);
  t.same(web.endpoint.ipv4Nets, ['10.0.0.1/32']);
  t.notOk(web.endpoint.tiers, 'no policy ⇒ tiers omitted');
  t.same(web.labels, {
    app: 'web',
    'projectcalico.org/namespace': 'prod',
    'projectcalico.org/orchestrator': 'k8s',
    'projectcalico.org/serviceaccount': 'web-sa',
  }, 'pcns./pcsa. pod labels stripped');
  const db = st.endpoints.get('prod/db-1')!;
  t.same(db.endpoint.profileIds, ['kns.prod', 'ksa.prod.default'], 'pods without serviceAccountName run as default');
  t.same(db.endpoint.ipv6Nets, ['fd00::2/128']);
  t.same(db.ips, ['10.0.0.2', 'fd00::2']);
  t.same(plain(st.profiles.get('kns.prod')), {
    id: { name: 'kns.prod' },
    profile: {
      inboundRules: [{ action: 'allow', ruleId: st.profiles.get('kns.prod')!.profile.inboundRules![0].ruleId }],
      outboundRules: [{ action: 'allow', ruleId: st.profiles.get('kns.prod')!.profile.outboundRules![0].ruleId }],
    },
    labels: { 'pcns.env': 'prod' },
    ipSetIds: [],
  });
  t.same(st.profiles.get('ksa.prod.web-sa')!.profile, {}, 'ksa profiles have no rules');
  t.same(st.profiles.get('ksa.prod.web-sa')!.labels, { 'pcsa.role': 'frontend' });
  t.same([...st.profiles.keys()].sort(), ['kns.dev', 'kns.prod', 'ksa.dev.default', 'ksa.prod.default', 'ksa.prod.web-sa']);
});

t.test('NamespaceUpdate/ServiceAccountUpdate records depend on compat', async (t) => {
  const old = computeDataplane(yamlResources(BASE), { compat: '3.2' });
  t.same([...old.namespaces.keys()], ['prod'], '3.2: label-less namespace dev produces no update');
  t.same(old.namespaces.get('prod')!.labels, { env: 'prod' }, 'pcns. prefix stripped');
  t.same([...old.serviceAccounts.keys()], ['prod/web-sa']);
  const modern = computeDataplane(yamlResources(BASE, '3.28'), { compat: '3.28' });
  t.same([...modern.namespaces.keys()], ['dev', 'prod']);
  t.same(modern.namespaces.get('dev')!.labels, { 'kubernetes.io/metadata.name': 'dev', 'projectcalico.org/name': 'dev' }, 'k8s >= 1.21 name label too');
  t.same(modern.namespaces.get('prod')!.labels, { env: 'prod', 'kubernetes.io/metadata.name': 'prod', 'projectcalico.org/name': 'prod' });
  t.same([...modern.serviceAccounts.keys()], ['dev/default', 'prod/default', 'prod/web-sa']);
  t.same(modern.profiles.get('kns.prod')!.labels, { 'pcns.env': 'prod', 'pcns.kubernetes.io/metadata.name': 'prod', 'pcns.projectcalico.org/name': 'prod' });
});

const POLICIES = `
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: zz-last, namespace: prod}
spec:
  selector: app == 'web'
  ingress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: aa-first, namespace: prod}
spec:
  order: 100
  selector: app == 'web'
  egress: [{action: Deny}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: b-global}
spec:
  order: 100
  selector: app == 'web'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: "app == 'db'", notSelector: "app == 'x'"}
    destination: {ports: [http, 80, "1000:2000"]}
  - action: Pass
    protocol: UDP
    destination: {ports: [dns]}
  - action: Deny
    protocol: TCP
    source: {notSelector: "app == 'tool'", nets: ["10.1.2.3", "fd00:0:0:0::/64"], notNets: [10.2.0.0/16]}
    ipVersion: 4
  - action: Log
    protocol: ICMP
    icmp: {type: 8, code: 0}
    notICMP: {type: 3}
  - action: Allow
    protocol: "6"
    notProtocol: 17
  egress:
  - action: Allow
    destination: {namespaceSelector: "env == 'prod'", ports: []}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: nomatch}
spec:
  selector: app == 'nothing'
  ingress: [{action: Allow, source: {selector: "app == 'zzz'"}}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: untracked}
spec:
  selector: all()
  doNotTrack: true
  applyOnForward: true
  ingress: [{action: Allow}]
`;

t.test('ordering, types defaulting, stored names, activity', async (t) => {
  const st = computeDataplane(yamlResources(BASE + POLICIES.replace('"fd00:0:0:0::/64"', '"10.9.0.0/16"')), { compat: '3.2' });
  const web = st.endpoints.get('prod/web-1')!;
  t.same(web.endpoint.tiers, [
    {
      name: 'default',
      ingressPolicies: ['default.b-global', 'prod/default.zz-last'],
      egressPolicies: ['default.b-global', 'prod/default.aa-first'],
    },
  ], 'order asc, ties by name byte-wise (default.b-global < prod/default.aa-first), missing order last; types: egress-only ⇒ [Egress]');
  t.notOk(st.policies.has(policyKey({ tier: 'default', name: 'default.nomatch' })), 'no endpoint matches ⇒ not active');
  t.notOk(st.policies.has(policyKey({ tier: 'default', name: 'default.untracked' })), 'doNotTrack policies never reach policysync');
  t.notOk(st.ipSets.has(selectorIPSetId('app == "zzz"')), 'IP sets of inactive policies do not exist');
  const np = st.policies.get(policyKey({ tier: 'default', name: 'prod/default.zz-last' }))!;
  t.equal(np.policy.namespace, 'prod');
  t.equal(np.selector, '(app == "web" && projectcalico.org/namespace == "prod")');
  t.notOk(st.endpoints.get('prod/db-1')!.endpoint.tiers, 'db matches no policy');
});

t.test('rule conversion: actions, protocols, ports, named ports, nets, icmp, neg folding', async (t) => {
  const st = computeDataplane(yamlResources(BASE + POLICIES.replace('"fd00:0:0:0::/64"', '"10.9.0.0/16"')), { compat: '3.2' });
  const gnp = st.policies.get(policyKey({ tier: 'default', name: 'default.b-global' }))!;
  const [r0, r1, r2, r3, r4] = gnp.policy.inboundRules!;
  const folded = '(app == "db" && !app == "x")';
  t.equal(r0.action, 'allow');
  t.same(r0.protocol, { name: 'tcp' });
  t.same(r0.dstPorts, [{ first: 80, last: 80 }, { first: 1000, last: 2000 }]);
  t.same(r0.dstNamedPortIpSetIds, [namedPortIPSetId('all()', 'tcp', 'http')], 'destination named port filtered by the (absent) dst selector ⇒ all()');
  t.same(r0.srcIpSetIds, [selectorIPSetId(folded)], 'notSelector folded into the positive selector');
  t.notOk(r0.notSrcIpSetIds);
  t.equal(r0.originalSrcSelector, "app == 'db'");
  t.equal(r0.originalNotSrcSelector, "app == 'x'");
  t.equal(r1.action, 'next-tier', 'Pass ⇒ next-tier');
  t.same(r1.dstNamedPortIpSetIds, [namedPortIPSetId('all()', 'udp', 'dns')], 'UDP rule ⇒ udp named port');
  t.notOk(r1.dstIpSetIds, 'only named ports ⇒ no separate selector set');
  t.same(r2.srcNet, ['10.1.2.3/32', '10.9.0.0/16']);
  t.same(r2.notSrcNet, ['10.2.0.0/16']);
  t.equal(r2.ipVersion, 4);
  t.same(r2.notSrcIpSetIds, [selectorIPSetId('app == "tool"')], 'lone notSelector gets its own set');
  t.equal(r3.action, 'log');
  t.same(r3.icmpTypeCode, { type: 8, code: 0 });
  t.equal(r3.notIcmpType, 3);
  t.equal(r3.ipVersion, 4, 'icmp ⇒ IPV4');
  t.same(r4.protocol, { number: 6 }, 'numeric strings become numbers');
  t.same(r4.notProtocol, { number: 17 });
  const eg = gnp.policy.outboundRules![0];
  t.same(eg.dstIpSetIds, [selectorIPSetId('pcns.env == "prod"')]);
  t.equal(eg.originalDstNamespaceSelector, "env == 'prod'");

  // Members.
  const http = st.ipSets.get(namedPortIPSetId('all()', 'tcp', 'http'))!;
  t.equal(http.type, IPSetType.IP_AND_PORT);
  t.same(sorted(http.members), ['10.0.0.1,tcp:8080', '10.0.0.2,tcp:9090', 'fd00::2,tcp:9090']);
  t.same(sorted(st.ipSets.get(namedPortIPSetId('all()', 'udp', 'dns'))!.members), ['10.0.0.1,udp:53']);
  t.same(sorted(st.ipSets.get(selectorIPSetId(folded))!.members), ['10.0.0.2/32', 'fd00::2/128']);
  t.same(sorted(st.ipSets.get(selectorIPSetId('app == "tool"'))!.members), ['10.0.1.1/32']);
  const prodNs = st.ipSets.get(selectorIPSetId('pcns.env == "prod"'))!;
  t.equal(prodNs.type, IPSetType.NET);
  t.same(sorted(prodNs.members), ['10.0.0.1/32', '10.0.0.2/32', 'fd00::2/128'], 'label inheritance from kns.prod');
  t.notOk(st.ipSets.get(selectorIPSetId('pcns.env == "spoofed"')));
  t.same([...st.ipSets.keys()].sort(), [...new Set(gnp.ipSetIds)].sort(), 'only referenced sets exist');
});

t.test('named ports with numeric ports and a positive selector', async (t) => {
  const st = computeDataplane(
    yamlResources(
      BASE +
        `
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: np, namespace: prod}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'web', ports: [http]}
    destination: {notPorts: [http, 22]}
`,
    ),
    { compat: '3.2' },
  );
  const rule = st.policies.get(policyKey({ tier: 'default', name: 'prod/default.np' }))!.policy.inboundRules![0];
  const srcSel = '(projectcalico.org/namespace == "prod" && app == "web")';
  t.same(rule.srcNamedPortIpSetIds, [namedPortIPSetId(srcSel, 'tcp', 'http')], 'named-port set filtered by the positive selector');
  t.notOk(rule.srcIpSetIds, 'src has only named ports ⇒ no selector set');
  t.same(rule.notDstNamedPortIpSetIds, [namedPortIPSetId('all()', 'tcp', 'http')]);
  t.same(rule.notDstPorts, [{ first: 22, last: 22 }]);
  t.same(sorted(st.ipSets.get(namedPortIPSetId(srcSel, 'tcp', 'http'))!.members), ['10.0.0.1,tcp:8080']);
});

t.test('network sets contribute CIDR members; NetworkSets inherit namespace labels', async (t) => {
  const st = computeDataplane(
    yamlResources(
      BASE +
        `
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners, labels: {kind: partner}}
spec: {nets: [198.51.100.0/24, 203.0.113.7]}
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: office, namespace: prod, labels: {kind: partner}}
spec: {nets: ["2001:db8:0:0::/64"]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: gnp}
spec:
  selector: all()
  ingress:
  - {action: Allow, source: {selector: "kind == 'partner'"}}
  - {action: Allow, source: {namespaceSelector: "env == 'prod'", selector: "kind == 'partner'"}}
`,
    ),
    { compat: '3.2' },
  );
  t.same(sorted(st.ipSets.get(selectorIPSetId('kind == "partner"'))!.members), ['198.51.100.0/24', '2001:db8::/64', '203.0.113.7/32']);
  t.same(sorted(st.ipSets.get(selectorIPSetId('(pcns.env == "prod" && kind == "partner")'))!.members), ['2001:db8::/64']);
});

t.test('deployments expand to deterministic pods with allocated IPs', async (t) => {
  const yaml = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {serviceAccountName: web, containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: pg}]}
`;
  const a = computeDataplane(yamlResources(yaml), { compat: '3.2' });
  const b = computeDataplane(yamlResources(yaml), { compat: '3.2' });
  t.same([...a.endpoints.keys()], [...b.endpoints.keys()], 'deterministic names');
  const keys = [...a.endpoints.keys()];
  t.equal(keys.length, 5);
  t.ok(keys.includes('shop/db-0') && keys.includes('shop/db-1'));
  const webs = keys.filter((k) => k.startsWith('shop/web-'));
  t.equal(webs.length, 3);
  for (const k of webs) t.match(k, /^shop\/web-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const w = a.endpoints.get(webs[0])!;
  t.equal(w.labels['pod-template-hash'], webs[0].split('-')[1]);
  t.equal(w.serviceAccount, 'web');
  const ips = [...a.endpoints.values()].map((e) => e.ips[0]);
  t.equal(new Set(ips).size, 5, 'distinct IPs');
  for (const ip of ips) t.match(ip, /^192\.168\.0\.\d+$/, 'Calico default pool');
  t.same(ips, [...b.endpoints.values()].map((e) => e.ips[0]), 'deterministic IPs');
});

t.test('tiers at compat 3.29', async (t) => {
  const yaml = `
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100, defaultAction: Pass}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.block}
spec: {tier: security, selector: all(), ingress: [{action: Deny, source: {nets: [10.9.0.0/16]}}]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow, namespace: prod}
spec: {selector: all(), ingress: [{action: Allow}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: prod}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.9}
`;
  const st = computeDataplane(yamlResources(yaml, '3.29'), { compat: '3.29' });
  t.same(st.endpoints.get('prod/p')!.endpoint.tiers, [
    { name: 'security', ingressPolicies: ['security.block'], defaultAction: 'Pass' },
    { name: 'default', ingressPolicies: ['prod/default.allow'], defaultAction: 'Deny' },
  ]);
  t.same(st.tiers.map((x) => x.name), ['security', 'kube-admin', 'default', 'kube-baseline']);
  const p = st.policies.get(policyKey({ tier: 'security', name: 'security.block' }))!;
  t.equal(p.tier, 'security');
  t.same(p.id, { tier: 'security', name: 'security.block' });
});

t.test('modern selectors and global() only at modern compat; original_selector from 3.28', async (t) => {
  const yaml = `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: app starts with 'we'
  ingress: [{action: Allow, source: {namespaceSelector: global(), selector: "kind == 'x'"}}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: prod, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
`;
  t.throws(() => yamlResources(yaml, '3.2'), /expected a valid selector/);
  const st = computeDataplane(yamlResources(yaml, '3.28'), { compat: '3.28' });
  const pol = st.policies.get(policyKey({ tier: 'default', name: 'default.g' }))!;
  t.equal(pol.policy.originalSelector, "app starts with 'we'");
  t.same(pol.policy.inboundRules![0].srcIpSetIds, [selectorIPSetId('(!has(projectcalico.org/namespace) && kind == "x")')]);
});

t.test('floating IPs become NAT entries; allowed source prefixes from 3.28', async (t) => {
  const yaml = `
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: prod
  annotations:
    cni.projectcalico.org/floatingIPs: '["172.16.0.5"]'
    cni.projectcalico.org/allowedSourcePrefixes: '["10.99.0.0/16"]'
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.7}
`;
  const old = computeDataplane(yamlResources(yaml), { compat: '3.2' }).endpoints.get('prod/p')!.endpoint;
  t.same(old.ipv4Nat, [{ extIp: '172.16.0.5', intIp: '10.0.0.7' }]);
  t.notOk(old.allowSpoofedSourcePrefixes);
  const modern = computeDataplane(yamlResources(yaml, '3.28'), { compat: '3.28' }).endpoints.get('prod/p')!.endpoint;
  t.same(modern.allowSpoofedSourcePrefixes, ['10.99.0.0/16']);
});

t.test('policy-level namespaceSelector / serviceAccountSelector (3.28)', async (t) => {
  const yaml = BASE + `
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: prod-only}
spec:
  namespaceSelector: env == 'prod'
  ingress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: frontends}
spec:
  serviceAccountSelector: role == 'frontend'
  ingress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: any-namespace}
spec:
  selector: app == 'tool'
  namespaceSelector: all()
  ingress: [{action: Allow}]
`;
  const st = computeDataplane(yamlResources(yaml, '3.28'), { compat: '3.28' });
  const names = (key: string) => st.endpoints.get(key)!.endpoint.tiers?.[0].ingressPolicies ?? [];
  t.same(names('prod/web-1'), ['default.frontends', 'default.prod-only']);
  t.same(names('prod/db-1'), ['default.prod-only']);
  t.same(names('dev/tool'), ['default.any-namespace']);
  t.equal(st.policies.get(policyKey({ tier: 'default', name: 'default.any-namespace' }))!.selector, '(app == "tool" && has(projectcalico.org/namespace))');
});
