// Independent fidelity audit: every expected value below is derived from the text of
// spec-felix-policysync.md (§3, §5), not from running this package.
import { createHash } from 'node:crypto';
import t from 'tap';
import { IPSetType } from '@alpsim/proto';
import {
  computeDataplane,
  convertRules,
  entityRuleSelectors,
  formatIssue,
  namedPortIPSetId,
  parseResourcesText,
  policyKey,
  selectorIPSetId,
  type Compat,
  type DataplaneState,
} from '../src/index';
import { plain, yamlResources } from './helpers';

const sha224 = (s: string) => createHash('sha224').update(s).digest('base64url');
/** §3.7 formula, computed here independently. */
const sid = (canonical: string) => 's:' + sha224('s:' + canonical);
const nid = (canonical: string, proto: string, port: string) => 'n:' + sha224(`n:${sid(canonical)},${proto},${port}`);

function dp(yaml: string, compat: Compat = '3.2'): DataplaneState {
  return computeDataplane(yamlResources(yaml, compat), { compat });
}
function errs(yaml: string, compat: Compat = '3.2'): string[] {
  return parseResourcesText(yaml, 'f.yaml', { compat }).issues.map(formatIssue);
}
const pod = (ns: string, name: string, ip: string, labels = '{}', extra = '') => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${labels}}
spec:
  containers: [{name: c, image: x${extra}}]
status: {podIP: ${ip}}
`;
const gnp = (name: string, spec: string) => `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec:
${spec}
`;
const np = (ns: string, name: string, spec: string) => `---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}
`;

// ---------------------------------------------------------------------------------------------
// §3.7 IP-set IDs from the spec's own fixtures.

t.test('§3.7 IP-set IDs match the spec fixtures', async (t) => {
  t.equal(selectorIPSetId('all()'), 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug');
  t.equal(namedPortIPSetId('all()', 'tcp', 'http'), 'n:cl9_Kgeu4H0OGLbhovVR3NBLUOZscKeMK1Mu4A');
  t.equal(selectorIPSetId('(pcsa.foo == "bar" && all())'), 's:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw');
  t.equal(selectorIPSetId('projectcalico.org/namespace == "ns1"'), 's:Qt_18OUe0Ln7uWDKT0vnmcIxvAI5xBwoP89xBw');
  t.equal(selectorIPSetId('(projectcalico.org/namespace == "ns1" && app == "web")'), 's:75vsiwqphzaGEq2Wih3jMkP-vNWNPs6LRI73Ww');
  t.equal(selectorIPSetId('pcns.env == "prod"'), 's:5X2SPVSOxbc4v-E1NhPgRV6xc3u_gPrr06u5TQ');
  t.equal(selectorIPSetId('has(projectcalico.org/namespace)'), 's:2dAotJA2sZ5pOhC_BaBuAFekzFsoGV350DfHsw');
  t.equal(selectorIPSetId('!(has(b) || !has(a))'), 's:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q');
  t.equal(selectorIPSetId('!(a == "b" && !c != "d")'), 's:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w');
});

t.test('§3.7 rule selectors are canonicalised before hashing (v1 forms from the table)', async (t) => {
  const r = convertRules([{ action: 'Allow', source: { selector: "app == 'web'" } }], 'ns1', 'pol-in-default/x', '3.2').rules[0];
  t.same(r.srcIpSetIds, ['s:75vsiwqphzaGEq2Wih3jMkP-vNWNPs6LRI73Ww']);
  t.equal(r.originalSrcSelector, "app == 'web'", 'original is the raw user string');
  const ns = convertRules([{ action: 'Allow', source: { namespaceSelector: "env == 'prod'" } }], 'any', 'pol-in-default/x', '3.2').rules[0];
  t.same(ns.srcIpSetIds, ['s:5X2SPVSOxbc4v-E1NhPgRV6xc3u_gPrr06u5TQ']);
  t.equal(ns.originalSrcNamespaceSelector, "env == 'prod'");
  const allNs = convertRules([{ action: 'Allow', source: { namespaceSelector: 'all()' } }], 'any', 'pol-in-default/x', '3.2').rules[0];
  t.same(allNs.srcIpSetIds, ['s:2dAotJA2sZ5pOhC_BaBuAFekzFsoGV350DfHsw']);
});

// ---------------------------------------------------------------------------------------------
// §3.6 every row of the verified table.

t.test('§3.6 entity-rule selector rewriting, every table row', async (t) => {
  const cases: [string, Record<string, any>, string, string][] = [
    ['namespace2', { selector: 'mylabel = value1' }, "(projectcalico.org/namespace == 'namespace2') && (mylabel = value1)", ''],
    ['namespace2', { notSelector: 'has(label2)' }, "projectcalico.org/namespace == 'namespace2'", 'has(label2)'],
    ['namespace2', { namespaceSelector: "namespacelabel1 == 'value1'", notSelector: 'has(x)' }, 'pcns.namespacelabel1 == "value1"', 'has(x)'],
    ['', { namespaceSelector: "namespacelabel1 == 'value1'", notSelector: 'has(x)' }, 'pcns.namespacelabel1 == "value1"', 'has(x)'],
    ['namespace', { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: "key == 'value'" }, "(pcns.key == \"value\") && (projectcalico.org/orchestrator == 'k8s')", ''],
    ['namespace', { namespaceSelector: "!has(key) || (has(key) && !key in {'value'})" }, '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))', ''],
    ['namespace', { serviceAccounts: { names: ['sa1', 'sa2'], selector: "key == 'value1'" } }, "(projectcalico.org/namespace == 'namespace') && ((pcsa.key == \"value1\") && (projectcalico.org/serviceaccount in {\"sa1\", \"sa2\"}))", ''],
    ['namespace', { namespaceSelector: "nskey == 'nsvalue'", serviceAccounts: { names: ['sa3'], selector: "key == 'value2'" } }, '(pcns.nskey == "nsvalue") && ((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"}))', ''],
    ['', { namespaceSelector: "nskey == 'nsvalue'", serviceAccounts: { names: ['sa3'], selector: "key == 'value2'" }, selector: 'has(label1)' }, '(pcns.nskey == "nsvalue") && (((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"})) && (has(label1)))', ''],
    ['', { serviceAccounts: { names: ['sa1', 'sa2'], selector: "key == 'value1'" } }, '(pcsa.key == "value1") && (projectcalico.org/serviceaccount in {"sa1", "sa2"})', ''],
    ['namespace', { serviceAccounts: {} }, '', ''],
    ['', { serviceAccounts: {} }, '', ''],
    ['', { selector: 'has(foo)' }, 'has(foo)', ''],
    // notSelector passes through verbatim (not namespaced, not prefixed, not canonicalised).
    ['ns', { notSelector: "a=='b'" }, "projectcalico.org/namespace == 'ns'", "a=='b'"],
    // SA names are canonicalised: sorted, de-duplicated, double-quoted.
    ['', { serviceAccounts: { names: ['b', 'a', 'b'] } }, 'projectcalico.org/serviceaccount in {"a", "b"}', ''],
  ];
  for (const [ns, ent, sel, notSel] of cases) {
    t.same(entityRuleSelectors(ent, ns, '3.2'), { selector: sel, notSelector: notSel }, `${ns || '<global>'} ${JSON.stringify(ent)}`);
  }
});

// ---------------------------------------------------------------------------------------------
// §3.7 RuleScanner.

t.test('§3.7 negative folding and negative-only sets', async (t) => {
  const [both] = convertRules([{ action: 'Allow', source: { selector: "a == 'x'", notSelector: "b == 'y'" } }], '', 's', '3.2').rules;
  // (P) && (!(N)) canonicalised: one chain, negation of a single leaf keeps no parens.
  t.same(both.srcIpSetIds, [sid('(a == "x" && !b == "y")')]);
  t.notOk(both.notSrcIpSetIds, 'not-list emptied after folding');
  t.equal(both.originalNotSrcSelector, "b == 'y'");
  const [negOnly] = convertRules([{ action: 'Deny', destination: { notSelector: "b == 'y'" } }], '', 's', '3.2').rules;
  t.notOk(negOnly.dstIpSetIds);
  t.same(negOnly.notDstIpSetIds, [sid('b == "y"')]);
  // Namespaced policy: the namespace part is a positive selector, so N folds into it.
  const [nsNeg] = convertRules([{ action: 'Allow', source: { notSelector: 'has(x)' } }], 'ns', 's', '3.2').rules;
  t.same(nsNeg.srcIpSetIds, [sid('(projectcalico.org/namespace == "ns" && !has(x))')]);
  t.notOk(nsNeg.notSrcIpSetIds);
});

t.test('§3.7 named ports: protocol, filter selector, positive set only with numeric or no named ports', async (t) => {
  const conv = (rule: Record<string, any>, ns = '') => convertRules([rule], ns, 's', '3.2').rules[0];
  const udp = conv({ action: 'Allow', protocol: 'UDP', destination: { ports: ['dns'] } });
  t.same(udp.dstNamedPortIpSetIds, [nid('all()', 'udp', 'dns')], 'UDP ⇒ udp, no selector ⇒ all()');
  t.notOk(udp.dstIpSetIds);
  t.notOk(udp.dstPorts);
  t.same(conv({ action: 'Allow', protocol: 17, destination: { ports: ['dns'] } }).dstNamedPortIpSetIds, [nid('all()', 'udp', 'dns')], '17 ⇒ udp');
  t.same(conv({ action: 'Allow', protocol: '17', destination: { ports: ['dns'] } }).dstNamedPortIpSetIds, [nid('all()', 'udp', 'dns')], '"17" ⇒ udp');
  t.same(conv({ action: 'Allow', protocol: 'TCP', destination: { ports: ['http'] } }).dstNamedPortIpSetIds, [nid('all()', 'tcp', 'http')]);
  t.same(conv({ action: 'Allow', destination: { ports: ['http'] } }).dstNamedPortIpSetIds, [nid('all()', 'tcp', 'http')], 'absent ⇒ tcp');
  t.same(conv({ action: 'Allow', protocol: 'SCTP', destination: { ports: ['http'] } }).dstNamedPortIpSetIds, [nid('all()', 'tcp', 'http')], 'other ⇒ tcp');

  const onlyNamed = conv({ action: 'Allow', protocol: 'TCP', destination: { selector: "app == 'db'", ports: ['http'] } });
  t.same(onlyNamed.dstNamedPortIpSetIds, [nid('app == "db"', 'tcp', 'http')], 'filtered by the positive selector');
  t.notOk(onlyNamed.dstIpSetIds, 'no selector set when only named ports');
  const mixed = conv({ action: 'Allow', protocol: 'TCP', destination: { selector: "app == 'db'", ports: [80, 'http', '8000:8080'] } });
  t.same(mixed.dstIpSetIds, [sid('app == "db"')], 'numeric ports present ⇒ selector set too');
  t.same(mixed.dstPorts, [{ first: 80, last: 80 }, { first: 8000, last: 8080 }]);
  t.same(mixed.dstNamedPortIpSetIds, [nid('app == "db"', 'tcp', 'http')]);
  const notNamed = conv({ action: 'Allow', protocol: 'TCP', destination: { selector: "app == 'db'", notPorts: ['http'] } });
  t.same(notNamed.notDstNamedPortIpSetIds, [nid('app == "db"', 'tcp', 'http')], 'notPorts filtered by the positive selector');
  t.same(notNamed.dstIpSetIds, [sid('app == "db"')], 'no positive named ports ⇒ selector set');
  const folded = conv({ action: 'Allow', protocol: 'TCP', source: { selector: "a == 'x'", notSelector: 'has(b)', ports: ['http'] } });
  t.same(folded.srcNamedPortIpSetIds, [nid('(a == "x" && !has(b))', 'tcp', 'http')], 'named ports use the folded positive selector');
});

// ---------------------------------------------------------------------------------------------
// §3.8 field mapping.

t.test('§3.8 field mapping', async (t) => {
  const conv = (rule: Record<string, any>) => convertRules([rule], '', 's', '3.2').rules[0];
  t.equal(conv({ action: 'Pass' }).action, 'next-tier');
  t.equal(conv({ action: 'Allow' }).action, 'allow');
  t.equal(conv({ action: 'Deny' }).action, 'deny');
  t.equal(conv({ action: 'Log' }).action, 'log');
  t.equal(conv({ action: 'Allow', protocol: 'ICMP' }).ipVersion, 4, 'icmp ⇒ IPV4');
  t.equal(conv({ action: 'Allow', protocol: 'ICMPv6' }).ipVersion, 6, 'icmpv6 ⇒ IPV6');
  t.notOk(conv({ action: 'Allow', protocol: 'TCP' }).ipVersion, 'else ANY');
  t.equal(conv({ action: 'Allow', protocol: 'TCP', ipVersion: 6 }).ipVersion, 6);
  t.same(conv({ action: 'Allow', protocol: 'ICMPv6' }).protocol, { name: 'icmpv6' });
  t.same(conv({ action: 'Allow', protocol: 'UDPLite' }).protocol, { name: 'udplite' });
  t.same(conv({ action: 'Allow', protocol: '6' }).protocol, { number: 6 }, 'numeric string ⇒ number');
  t.same(conv({ action: 'Allow', protocol: 132 }).protocol, { number: 132 });
  t.same(conv({ action: 'Allow', notProtocol: 'TCP' }).notProtocol, { name: 'tcp' });
  t.notOk(conv({ action: 'Allow' }).protocol, 'absent ⇒ unset');
  const icmp0 = conv({ action: 'Allow', protocol: 'ICMP', icmp: { type: 0 } });
  t.equal(icmp0.icmpType, 0, 'type 0 still present (oneof)');
  t.notOk(icmp0.icmpTypeCode);
  t.same(conv({ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } }).icmpTypeCode, { type: 8, code: 0 });
  t.equal(conv({ action: 'Allow', protocol: 'ICMP', notICMP: { type: 3 } }).notIcmpType, 3);
  t.same(conv({ action: 'Allow', protocol: 'ICMP', notICMP: { type: 3, code: 1 } }).notIcmpTypeCode, { type: 3, code: 1 });
  const n = conv({ action: 'Allow', source: { nets: ['10.1.2.3', '10.0.0.0/8'], notNets: ['192.168.0.0/16'] }, destination: { nets: ['172.16.0.0/12'], notNets: ['172.16.1.1'] } });
  t.same(n.srcNet, ['10.1.2.3/32', '10.0.0.0/8']);
  t.same(n.notSrcNet, ['192.168.0.0/16']);
  t.same(n.dstNet, ['172.16.0.0/12']);
  t.same(n.notDstNet, ['172.16.1.1/32']);
  const v6 = conv({ action: 'Allow', source: { nets: ['2001:0db8:0000:0000:0000:0000:0000:0000/32', 'fd00::1', 'FD00:0:0:1::/64', '2001:db8:0:0:1:0:0:1'] } });
  t.same(v6.srcNet, ['2001:db8::/32', 'fd00::1/128', 'fd00:0:0:1::/64', '2001:db8::1:0:0:1/128'], 'Go-compressed, lower-case');
  t.same(conv({ action: 'Allow', protocol: 'TCP', source: { ports: [80, '1000:2000', '443'] } }).srcPorts, [{ first: 80, last: 80 }, { first: 1000, last: 2000 }, { first: 443, last: 443 }]);
  t.same(conv({ action: 'Allow', protocol: 'TCP', source: { notPorts: [22] } }).notSrcPorts, [{ first: 22, last: 22 }]);

  // http_match: present even when empty; paths with neither exact nor prefix are dropped; methods verbatim.
  t.same(conv({ action: 'Allow', http: {} }).httpMatch, {});
  t.same(conv({ action: 'Allow', http: { methods: ['get', 'GET'] } }).httpMatch, { methods: ['get', 'GET'] });
  t.same(conv({ action: 'Allow', http: { paths: [{ exact: '/a' }, {}, { prefix: '/b' }] } }).httpMatch, { paths: [{ exact: '/a' }, { prefix: '/b' }] });
  t.notOk(conv({ action: 'Allow' }).httpMatch);

  // SA match only if names or selector non-empty; selector raw, names verbatim (not sorted).
  t.notOk(conv({ action: 'Allow', source: { serviceAccounts: {} } }).srcServiceAccountMatch);
  t.notOk(conv({ action: 'Allow', source: { serviceAccounts: { names: [], selector: '' } } }).srcServiceAccountMatch);
  t.same(conv({ action: 'Allow', source: { serviceAccounts: { names: ['z', 'a'] } } }).srcServiceAccountMatch, { names: ['z', 'a'] });
  t.same(conv({ action: 'Allow', destination: { serviceAccounts: { selector: "k=='v'" } } }).dstServiceAccountMatch, { selector: "k=='v'" });

  // original_* raw, verbatim.
  const o = conv({
    action: 'Allow',
    source: { selector: "a=='b'", notSelector: ' has(c) ', namespaceSelector: "x in {'y'}" },
    destination: { selector: 'all()', notSelector: "d != 'e'", namespaceSelector: 'has(z)' },
  });
  t.equal(o.originalSrcSelector, "a=='b'");
  t.equal(o.originalNotSrcSelector, ' has(c) ');
  t.equal(o.originalSrcNamespaceSelector, "x in {'y'}");
  t.equal(o.originalDstSelector, 'all()');
  t.equal(o.originalNotDstSelector, "d != 'e'");
  t.equal(o.originalDstNamespaceSelector, 'has(z)');
  t.equal(typeof o.ruleId, 'string');
  t.equal(o.ruleId!.length, 16, 'rule id is 16 chars');
});

t.test('§3.8 rule ids: seeded SHA-224 chain', async (t) => {
  const { rules } = convertRules([{ action: 'Allow' }, { action: 'Deny' }], '', 'pol-in-default/default.p', '3.2');
  // With only `action` set, the protobuf bytes are field 1 (tag 0x0a) + length + "allow".
  const bytes = (s: string) => Buffer.concat([Buffer.from([0x0a, s.length]), Buffer.from(s)]);
  const h0 = createHash('sha224').update('pol-in-default/default.p').digest();
  const h1 = createHash('sha224').update(h0).update(bytes('allow')).digest();
  const h2 = createHash('sha224').update(h1).update(bytes('deny')).digest();
  t.equal(rules[0].ruleId, h1.toString('base64url').slice(0, 16));
  t.equal(rules[1].ruleId, h2.toString('base64url').slice(0, 16));
});

t.test('§3.8 rule ids hash gogo bytes: zero scalars inside IcmpTypeAndCode are omitted, oneof zero kept', async (t) => {
  const idOf = (rule: Record<string, any>, bytes: number[]) => {
    const got = convertRules([rule], '', 'seed', '3.2').rules[0].ruleId;
    const h0 = createHash('sha224').update('seed').digest();
    return [got, createHash('sha224').update(h0).update(Buffer.from(bytes)).digest('base64url').slice(0, 16)];
  };
  const action = [0x0a, 5, ...Buffer.from('allow')];
  const icmp = [0x1a, 6, 0x12, 4, ...Buffer.from('icmp')]; // protocol{name:"icmp"}
  const ipv4 = [0x10, 4];
  // icmp {type: 8, code: 0} ⇒ field 9 {type=8} only (gogo drops code 0).
  let [got, want] = idOf({ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } }, [...action, ...ipv4, ...icmp, 0x4a, 2, 0x08, 8]);
  t.equal(got, want, 'echo request code 0');
  // icmp {type: 0, code: 0} ⇒ field 9 present but empty.
  [got, want] = idOf({ action: 'Allow', protocol: 'ICMP', icmp: { type: 0, code: 0 } }, [...action, ...ipv4, ...icmp, 0x4a, 0]);
  t.equal(got, want, 'echo reply type 0 code 0');
  // icmp {type: 0} ⇒ oneof icmp_type (field 8) = 0 is written.
  [got, want] = idOf({ action: 'Allow', protocol: 'ICMP', icmp: { type: 0 } }, [...action, ...ipv4, ...icmp, 0x40, 0]);
  t.equal(got, want, 'oneof zero kept');
});

// ---------------------------------------------------------------------------------------------
// FV worked example (§3.8).

t.test('§3.8 worked example from Felix FV test', async (t) => {
  const s = dp(
    pod('ns1', 'p', '10.0.0.5') +
      gnp(
        'policy-0',
        `  ingress:
  - action: Allow
    source: {selector: all(), serviceAccounts: {selector: "foo == 'bar'"}}
    http: {methods: [GET], paths: [{exact: /path}]}
  egress:
  - action: Allow`,
      ),
  );
  const pol = s.policies.get(policyKey({ tier: 'default', name: 'default.policy-0' }));
  t.ok(pol, 'GNP policy-0 ⇒ {default, default.policy-0}');
  const strip = (r: any) => {
    const { ruleId, ...rest } = r;
    return rest;
  };
  t.same(plain(pol!.policy.inboundRules!.map(strip)), [
    {
      action: 'allow',
      srcIpSetIds: ['s:wpucV3EMQY1BAUjeUGNT_z-Uh6KwUThbadK2Tw'],
      originalSrcSelector: 'all()',
      srcServiceAccountMatch: { selector: "foo == 'bar'" },
      httpMatch: { methods: ['GET'], paths: [{ exact: '/path' }] },
    },
  ]);
  t.same(plain(pol!.policy.outboundRules!.map(strip)), [{ action: 'allow' }]);
  t.notOk(pol!.policy.namespace, 'namespace ""');
  const wep = s.endpoints.get('ns1/p')!.endpoint;
  t.same(plain(wep.tiers), [{ name: 'default', ingressPolicies: ['default.policy-0'], egressPolicies: ['default.policy-0'] }]);
});

// ---------------------------------------------------------------------------------------------
// §3.2 / §3.3 identities and WEP contents.

t.test('§3.2/§3.3 identities and WEP contents', async (t) => {
  const s = dp(
    `apiVersion: v1
kind: Namespace
metadata: {name: bar}
` +
      pod('bar', 'p', '10.1.0.1', '{app: a}', '') +
      `---
apiVersion: v1
kind: Pod
metadata: {name: q, namespace: bar}
spec: {serviceAccountName: sa, containers: [{name: c, image: x}]}
status: {podIPs: [{ip: 10.1.0.2}, {ip: "fd00::2"}]}
` +
      np('bar', 'foo', '  selector: all()\n  ingress: [{action: Allow}]') +
      gnp('g', "  selector: app == 'a'\n  ingress: [{action: Allow}]") +
      `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: kfoo, namespace: bar}
spec: {podSelector: {}}
`,
  );
  t.ok(s.policies.has(policyKey({ tier: 'default', name: 'bar/default.foo' })));
  t.equal(s.policies.get(policyKey({ tier: 'default', name: 'bar/default.foo' }))!.policy.namespace, 'bar');
  t.ok(s.policies.has(policyKey({ tier: 'default', name: 'bar/knp.default.kfoo' })));
  t.equal(s.policies.get(policyKey({ tier: 'default', name: 'bar/knp.default.kfoo' }))!.policy.namespace, 'bar');
  t.ok(s.policies.has(policyKey({ tier: 'default', name: 'default.g' })));

  const p = s.endpoints.get('bar/p')!;
  t.same(plain(p.id), { orchestratorId: 'k8s', workloadId: 'bar/p', endpointId: 'eth0' });
  t.equal(p.endpoint.state, 'active');
  t.equal(p.endpoint.name, 'cali' + createHash('sha1').update('bar.p').digest('hex').slice(0, 11));
  t.equal(p.endpoint.name!.length, 15);
  t.same(p.endpoint.profileIds, ['kns.bar', 'ksa.bar.default']);
  t.same(p.endpoint.ipv4Nets, ['10.1.0.1/32']);
  t.notOk(p.endpoint.ipv6Nets && p.endpoint.ipv6Nets.length);
  t.notOk(p.endpoint.mac, 'mac empty for k8s');
  // Ordering: knp order 1000 first, then missing-order ones by name bytewise: "bar/default.foo" < "default.g".
  t.same(plain(p.endpoint.tiers), [{ name: 'default', ingressPolicies: ['bar/knp.default.kfoo', 'bar/default.foo', 'default.g'] }]);

  const q = s.endpoints.get('bar/q')!;
  t.same(q.endpoint.profileIds, ['kns.bar', 'ksa.bar.sa']);
  t.same(q.endpoint.ipv4Nets, ['10.1.0.2/32']);
  t.same(q.endpoint.ipv6Nets, ['fd00::2/128']);
  t.same(plain(q.endpoint.tiers), [{ name: 'default', ingressPolicies: ['bar/knp.default.kfoo', 'bar/default.foo'] }]);
  t.ok(s.profiles.has('kns.bar') && s.profiles.has('ksa.bar.sa'));
});

t.test('§3.3 tiers omitted when no policy applies; no egress list when only ingress', async (t) => {
  const s = dp(pod('a', 'p', '10.0.0.1') + gnp('g', "  selector: app == 'nomatch'\n  ingress: [{action: Allow}]"));
  t.equal(s.endpoints.get('a/p')!.endpoint.tiers, undefined);
  t.equal(s.policies.size, 0, 'inactive policies are not sent');
});

// ---------------------------------------------------------------------------------------------
// §3.4 ordering and types.

t.test('§3.4 ordering: order asc, missing last, ties bytewise on PolicyID name', async (t) => {
  const s = dp(
    pod('a-b', 'p', '10.0.0.1') +
      gnp('z', '  order: 10\n  ingress: [{action: Allow}]') +
      np('a-b', 'y', '  order: 10\n  ingress: [{action: Allow}]') +
      gnp('none', '  ingress: [{action: Allow}]') +
      np('a-b', 'm', '  ingress: [{action: Allow}]') +
      gnp('first', '  order: -5.5\n  ingress: [{action: Allow}]') +
      gnp('k', '  order: 1000\n  ingress: [{action: Allow}]') +
      `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: kp, namespace: a-b}
spec: {podSelector: {}}
` +
      np('a-b', 'n999', '  order: 999.5\n  ingress: [{action: Allow}]'),
  );
  t.same(s.endpoints.get('a-b/p')!.endpoint.tiers![0].ingressPolicies, [
    'default.first',
    'a-b/default.y', // order 10, "a-b/…" < "default.z"
    'default.z',
    'a-b/default.n999',
    'a-b/knp.default.kp', // order 1000: "a-b/knp…" < "default.k"
    'default.k',
    'a-b/default.m', // missing order: bytewise
    'default.none',
  ]);
});

t.test('§3.4 types defaulting on write', async (t) => {
  const s = dp(
    pod('a', 'p', '10.0.0.1') +
      gnp('none', '  selector: all()') +
      gnp('ing', '  ingress: [{action: Allow}]') +
      gnp('egr', '  egress: [{action: Allow}]') +
      gnp('both', '  ingress: [{action: Allow}]\n  egress: [{action: Allow}]') +
      gnp('explicit', '  types: [Egress]\n  ingress: [{action: Allow}]') +
      gnp('explicit2', '  types: [Ingress, Egress]'),
  );
  const tier = s.endpoints.get('a/p')!.endpoint.tiers![0];
  t.same(tier.ingressPolicies, ['default.both', 'default.explicit2', 'default.ing', 'default.none']);
  t.same(tier.egressPolicies, ['default.both', 'default.egr', 'default.explicit', 'default.explicit2']);
});

// ---------------------------------------------------------------------------------------------
// §3.9 namespaces / SAs / labels and IP-set membership with inheritance.

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod, labels: {role: api}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec:
  serviceAccountName: api
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]}]
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: spoof, namespace: dev, labels: {pcns.env: prod, pcsa.role: api, app: web}}
spec:
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 9090, protocol: UDP}]}]
status: {podIP: 10.0.0.2}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: ext, labels: {env: prod}}
spec: {nets: [198.51.100.0/24, "2001:db8:0:0::/64"]}
---
apiVersion: projectcalico.org/v3
kind: NetworkSet
metadata: {name: ns-net, namespace: prod, labels: {kind: net}}
spec: {nets: [203.0.113.7]}
`;

t.test('§3.9 label inheritance, anti-spoofing, network sets and named ports in IP-set members', async (t) => {
  const s = dp(
    CLUSTER +
      gnp(
        'target',
        `  selector: all()
  ingress:
  - action: Allow
    source: {namespaceSelector: "env == 'prod'"}
  - action: Allow
    source: {serviceAccounts: {selector: "role == 'api'"}}
  - action: Allow
    source: {selector: "env == 'prod'"}
  - action: Allow
    protocol: TCP
    destination: {ports: [http]}
  - action: Allow
    protocol: UDP
    destination: {ports: [http, dns]}
  - action: Allow
    source: {selector: "kind == 'net'"}`,
      ),
  );
  const members = (id: string) => [...(s.ipSets.get(id)?.members ?? [])].sort();
  // pcns.env == "prod": the prod pod via its kns.prod profile, and the prod NetworkSet (inherits namespace labels);
  // not the spoofing pod (its pcns. label is stripped); not the GlobalNetworkSet (own label env, not pcns.env).
  t.same(members(sid('pcns.env == "prod"')), ['10.0.0.1/32', '203.0.113.7/32']);
  t.equal(s.ipSets.get(sid('pcns.env == "prod"'))!.type, IPSetType.NET);
  t.same(members(sid('pcsa.role == "api"')), ['10.0.0.1/32']);
  // Plain env == 'prod': the GlobalNetworkSet's CIDRs (v4 and v6, canonical).
  t.same(members(sid('env == "prod"')), ['198.51.100.0/24', '2001:db8::/64']);
  t.same(members(sid('kind == "net"')), ['203.0.113.7/32']);
  t.same(members(nid('all()', 'tcp', 'http')), ['10.0.0.1,tcp:8080'], 'only TCP "http" ports');
  t.equal(s.ipSets.get(nid('all()', 'tcp', 'http'))!.type, IPSetType.IP_AND_PORT);
  t.same(members(nid('all()', 'udp', 'http')), ['10.0.0.2,udp:9090']);
  t.same(members(nid('all()', 'udp', 'dns')), ['10.0.0.1,udp:53']);
  // The endpoint's own labels exclude the spoofed keys.
  t.notOk('pcns.env' in s.endpoints.get('dev/spoof')!.labels);
  t.notOk('pcsa.role' in s.endpoints.get('dev/spoof')!.labels);
});

t.test('§3.9 Namespace/SA updates: labels un-prefixed, none for label-less at 3.2, projectcalico.org/name at 3.28', async (t) => {
  const s = dp(CLUSTER);
  t.same(plain(s.namespaces), { prod: { id: { name: 'prod' }, labels: { env: 'prod' } } });
  t.same(plain([...s.serviceAccounts.values()]), [{ id: { namespace: 'prod', name: 'api' }, labels: { role: 'api' } }]);
  const m = dp(CLUSTER, '3.28');
  t.equal(m.namespaces.get('dev')?.labels['projectcalico.org/name'], 'dev');
  t.equal(m.namespaces.get('prod')?.labels['projectcalico.org/name'], 'prod');
  t.equal(m.namespaces.get('prod')?.labels.env, 'prod');
  const sa = [...m.serviceAccounts.values()].find((x) => x.id.name === 'api' && x.id.namespace === 'prod');
  t.same(sa?.labels, { role: 'api', 'projectcalico.org/name': 'api' });
  const kns = s.profiles.get('kns.prod')!;
  t.same(plain(kns.labels), { 'pcns.env': 'prod' });
  t.same(kns.profile.inboundRules!.map((r) => r.action), ['allow'], 'kns.* allows everything');
  t.same(kns.profile.outboundRules!.map((r) => r.action), ['allow']);
  t.same(plain(s.profiles.get('ksa.prod.api')!.profile), {}, 'ksa.* has no rules');
});

// ---------------------------------------------------------------------------------------------
// §3.10 Kubernetes NetworkPolicy.

t.test('§3.10 k8s NetworkPolicy conversion on the wire', async (t) => {
  const s = dp(
    pod('bar', 'p', '10.0.0.1', '{app: web}') +
      `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: foo, namespace: bar}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - podSelector: {matchLabels: {role: fe, tier: b}}
    - namespaceSelector: {}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports:
    - port: 80
    - port: 53
      protocol: UDP
`,
  );
  const pol = s.policies.get(policyKey({ tier: 'default', name: 'bar/knp.default.foo' }))!;
  t.ok(pol);
  t.equal(pol.order, 1000);
  t.equal(pol.ingress, true);
  t.equal(pol.egress, false, 'policyTypes default Ingress');
  const rules = pol.policy.inboundRules!;
  t.equal(rules.length, 6, 'one rule per (port × peer)');
  t.same(rules.map((r) => r.action), Array(6).fill('allow'));
  t.same(rules.map((r) => r.protocol?.name), ['tcp', 'tcp', 'tcp', 'udp', 'udp', 'udp'], 'port without protocol ⇒ TCP');
  t.equal(rules[0].originalSrcSelector, "projectcalico.org/orchestrator == 'k8s' && role == 'fe' && tier == 'b'");
  t.equal(rules[1].originalSrcNamespaceSelector, 'all()', 'empty namespaceSelector ⇒ all()');
  t.same(rules[1].srcIpSetIds, [sid("(has(projectcalico.org/namespace) && projectcalico.org/orchestrator == 'k8s')".replace(/'/g, '"'))]);
  t.same(rules[2].srcNet, ['10.0.0.0/8']);
  t.same(rules[2].notSrcNet, ['10.1.0.0/16']);
  t.same(rules[0].dstPorts, [{ first: 80, last: 80 }]);
  t.same(rules[0].srcIpSetIds, [sid('(projectcalico.org/namespace == "bar" && (projectcalico.org/orchestrator == "k8s" && role == "fe" && tier == "b"))')], "nested chain is not flattened");
  // A NetworkPolicyPort with neither port nor protocol is defaulted to TCP by the API server.
  const s2 = dp(
    pod('bar', 'p', '10.0.0.1') +
      `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: foo, namespace: bar}
spec:
  podSelector: {}
  ingress: [{ports: [{}]}]
`,
  );
  t.same(s2.policies.get(policyKey({ tier: 'default', name: 'bar/knp.default.foo' }))!.policy.inboundRules![0].protocol, { name: 'tcp' });
});

// ---------------------------------------------------------------------------------------------
// §5 validation.

const vnp = (name: string, spec: string, ns = 'x') => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}
`;
const vgnp = (name: string, spec: string) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec:
${spec}
`;
const rule = (r: string, dir = 'ingress') => vgnp('g', `  ${dir}:\n  - ${r}`);
const one = (yaml: string) => {
  const e = errs(yaml);
  return e.length === 1 ? e[0] : e.join(' | ');
};

t.test('§5 names', async (t) => {
  t.same(errs(vnp('knp.default.foo.bar', '  selector: all()')), [], 'NP knp.default.<subdomain>');
  t.same(errs(vnp('ossg.default.x', '  selector: all()')), []);
  t.match(one(vnp('Foo', '  selector: all()')), /name must consist of lower case alphanumeric characters or '-'/);
  t.match(one(vnp('a.b', '  selector: all()')), /name must consist/);
  t.match(one(vgnp('knp.default.x', '  selector: all()')), /name must consist/, 'GNP: label only');
  t.match(one(vgnp('a.b', '  selector: all()')), /name/);
  t.same(errs(vgnp('a-b', '  selector: all()')), []);
});

t.test('§5 strict decoding and spec rules', async (t) => {
  t.match(one(vgnp('g', '  selector: all()\n  bogus: 1')), /unknown field "bogus"/);
  t.match(one(rule('{action: Allow, source: {bogus: 1}}')), /unknown field "bogus"/);
  t.match(one(vgnp('g', '  types: [Ingress, Ingress]')), /'Ingress' type specified more than once/);
  t.match(one(vgnp('g', '  types: [ingress]')), /types/);
  t.match(one(vgnp('g', "  selector: a = 'b'")), /selector/);
  t.same(errs(vgnp('g', '  order: -3.25\n  selector: ""')), [], 'any float order; empty selector fine');
  t.same(errs(rule("{action: Allow, source: {serviceAccounts: {names: ['Not_A DNS name']}}}")), [], 'SA names not validated');
  t.match(one(vgnp('g', '  doNotTrack: true\n  preDNAT: true\n  applyOnForward: true')), /preDNAT and doNotTrack/);
  t.match(one(vgnp('g', '  preDNAT: true\n  applyOnForward: true\n  egress: [{action: Allow}]')), /egress/);
  t.match(one(vgnp('g', '  doNotTrack: true')), /applyOnForward/);
});

t.test('§5 rule rules', async (t) => {
  t.match(one(rule('{action: allow}')), /action/);
  t.match(one(rule('{protocol: TCP}')), /action/, 'missing action rejected');
  t.match(one(rule('{action: Allow, ipVersion: 5}')), /ipVersion/);
  t.match(one(rule('{action: Allow, protocol: tcp}')), /protocol name invalid/);
  t.match(one(rule('{action: Allow, protocol: 0}')), /protocol/);
  t.match(one(rule('{action: Allow, protocol: 256}')), /protocol/);
  t.same(errs(rule('{action: Allow, protocol: "6", destination: {ports: [80]}}')), [], '"6" is TCP');
  t.same(errs(rule('{action: Allow, protocol: 17, destination: {ports: [dns]}}')), []);
  t.match(one(rule('{action: Allow, destination: {ports: [80]}}')), /rules that specify ports must set protocol to TCP or UDP/);
  t.match(one(rule('{action: Allow, protocol: ICMP, source: {notPorts: [80]}}')), /rules that specify ports must set protocol to TCP or UDP/);
  t.match(one(rule('{action: Allow, protocol: SCTP, destination: {ports: [80]}}')), /TCP or UDP/, 'SCTP not in 2018');
  t.match(one(rule('{action: Allow, protocol: TCP, destination: {ports: ["2000:1000"]}}')), /minimum port number/);
  t.match(one(rule('{action: Allow, protocol: TCP, destination: {ports: [0]}}')), /between 1 and 65535/);
  t.match(one(rule('{action: Allow, protocol: TCP, destination: {ports: [65536]}}')), /between 1 and 65535/);
  t.match(one(rule('{action: Allow, protocol: TCP, destination: {ports: [Http]}}')), /port/);
  t.match(one(rule('{action: Allow, protocol: TCP, destination: {ports: [a-very-long-port-name]}}')), /port/);
  t.match(one(rule('{action: Allow, protocol: TCP, destination: {ports: ["123"]}}')), /^$/, '"123" is a number');
  t.match(one(rule('{action: Allow, protocol: ICMP, icmp: {code: 1}}')), /ICMP code specified without an ICMP type/);
  t.match(one(rule('{action: Allow, protocol: ICMP, icmp: {type: 255}}')), /type/);
  t.match(one(rule('{action: Allow, protocol: ICMP, icmp: {type: 3, code: 256}}')), /code/);
  t.same(errs(rule('{action: Allow, protocol: ICMP, icmp: {type: 254, code: 255}}')), []);
  t.match(one(rule('{action: Allow, protocol: TCP, icmp: {type: 8}}')), /rules that specify ICMP fields must set protocol to ICMP/);
  t.same(errs(rule('{action: Allow, notICMP: {type: 8}}')), [], 'only icmp (not notICMP) requires the ICMP protocol');
  t.match(one(rule('{action: Allow, notICMP: {code: 8}}')), /ICMP code specified without an ICMP type/);
  t.match(one(rule('{action: Allow, protocol: 1, icmp: {type: 8}}')), /must set protocol to ICMP/, 'numeric 1 is not the value ICMP');
  t.same(errs(rule('{action: Allow, protocol: 1, ipVersion: 6}')), [], 'numeric 1 does not trigger the ipversion check');
  t.match(one(rule('{action: Allow, notProtocol: ICMP, ipVersion: 6}')), /must set ipversion to '4' with protocol icmp/, 'notProtocol counts');
  t.match(one(rule('{action: Allow, protocol: ICMP, ipVersion: 6}')), /must set ipversion to '4' with protocol icmp/);
  t.match(one(rule('{action: Allow, protocol: ICMPv6, ipVersion: 4}')), /ipversion to '6'/);
  t.match(one(rule('{action: Allow, source: {nets: [10.0.0.1/8]}}')), /strictly masked|masked/);
  t.same(errs(rule('{action: Allow, source: {nets: [10.0.0.1, "fd00::1"]}}')).length, 1, 'mixing');
  t.match(one(rule('{action: Allow, source: {nets: [10.0.0.0/8]}, destination: {notNets: ["fd00::/8"]}}')), /rule contains both IPv4 and IPv6 CIDRs/);
  t.match(one(rule('{action: Allow, ipVersion: 6, source: {nets: [10.0.0.0/8]}}')), /rule IP version doesn't match CIDR version/);
  t.match(one(rule('{action: Allow, source: {nets: [10.0.0.256]}}')), /10\.0\.0\.256/);
});

t.test('§5 ALP http rules', async (t) => {
  t.match(one(rule('{action: Allow, http: {methods: [GET]}}', 'egress')), /not allowed in egress rule\(s\)/);
  t.match(one(vnp('n', '  egress: [{action: Allow, http: {methods: [GET]}}]')), /not allowed in egress rule\(s\)/, 'NP too');
  t.match(one(rule('{action: Deny, http: {methods: [GET]}}')), /only valid for Allow rules/);
  t.match(one(rule('{action: Allow, http: {methods: [GET, GET]}}')), /Invalid methods \(duplicates\)/);
  t.same(errs(rule('{action: Allow, http: {methods: [GET, get, FOO]}}')), [], 'methods free-form, case-sensitive');
  t.match(one(rule('{action: Allow, http: {paths: [{exact: /a, prefix: /b}]}}')), /Both 'exact' and 'prefix' are set/);
  t.match(one(rule('{action: Allow, http: {paths: [{}]}}')), /Either 'exact' or 'prefix' must be set/);
  t.match(one(rule('{action: Allow, http: {paths: [{exact: a}]}}')), /path/);
  t.match(one(rule('{action: Allow, http: {paths: [{prefix: "/a?b"}]}}')), /path/);
  t.match(one(rule('{action: Allow, http: {paths: [{prefix: "/a b"}]}}')), /path/);
  t.match(one(rule('{action: Allow, http: {paths: [{prefix: "/a#b"}]}}')), /path/);
  t.same(errs(rule('{action: Allow, http: {}}')), []);
  t.same(errs(rule('{action: Allow, http: {paths: [{exact: /a, prefix: ""}]}}')), [], 'an empty string is an unset Go field');
  t.match(one(rule('{action: Allow, http: {paths: [{exact: ""}]}}')), /Either 'exact' or 'prefix' must be set/);
  t.same(convertRules([{ action: 'Allow', http: { paths: [{ exact: '', prefix: '/p' }, { exact: '' }] } }], '', 's', '3.2').rules[0].httpMatch, { paths: [{ prefix: '/p' }] });
  t.same(errs(`apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: p}
spec: {egress: [{action: Allow, http: {methods: [GET]}}]}
`), [], 'profiles: the egress check does not apply');
  t.match(one(`apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: p}
spec: {ingress: [{action: Deny, http: {methods: [GET]}}]}
`), /only valid for Allow rules/, 'profiles: the Allow-only rule check applies');
});

t.test('§5 other resources', async (t) => {
  t.match(one(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: g, labels: {projectcalico.org/namespace: x}}
spec: {nets: [10.0.0.0/8]}
`), /projectcalico.org\/namespace/);
});

t.test('§3.3 a Pending pod without an IP has no WorkloadEndpoint', async (t) => {
  const s = dp(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec: {containers: [{name: c, image: x}]}
status: {phase: Pending}
` + pod('a', 'q', '10.0.0.9') + gnp('g', '  ingress: [{action: Allow}]'));
  t.same([...s.endpoints.keys()], ['a/q']);
});

t.test('blank rule selectors (valid, = all()) do not break the rewritten selectors', async (t) => {
  const [r] = convertRules([{ action: 'Allow', source: { selector: ' ' }, destination: { notSelector: ' ' } }], 'ns', 's', '3.2').rules;
  t.same(r.srcIpSetIds, [sid('(projectcalico.org/namespace == "ns" && all())')]);
  t.same(r.dstIpSetIds, [sid('(projectcalico.org/namespace == "ns" && !all())')]);
  t.equal(r.originalSrcSelector, ' ');
  const [g] = convertRules([{ action: 'Allow', source: { selector: ' ' } }], '', 's', '3.2').rules;
  t.same(g.srcIpSetIds, ['s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'], 'GNP: blank = all()');
});

t.test('§3.7 named-port members come from spec.containers only (not init containers)', async (t) => {
  const s = dp(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  initContainers: [{name: i, image: x, ports: [{name: http, containerPort: 9999}]}]
  containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]
status: {podIP: 10.0.0.1}
` + gnp('g', '  ingress: [{action: Allow, protocol: TCP, destination: {ports: [http]}}]'));
  t.same([...s.ipSets.get(nid('all()', 'tcp', 'http'))!.members], ['10.0.0.1,tcp:8080']);
});

t.test('§3.6 SA names that cannot be quoted drop the SA selector part (libcalico-go parseServiceAccounts)', async (t) => {
  t.same(entityRuleSelectors({ serviceAccounts: { names: ["it's"], selector: "a == 'b'" }, selector: 'has(x)' }, 'ns', '3.2'), {
    selector: "(projectcalico.org/namespace == 'ns') && (has(x))",
    notSelector: '',
  });
  const [r] = convertRules([{ action: 'Allow', source: { serviceAccounts: { names: ["it's"] } } }], '', 's', '3.2').rules;
  t.same(r.srcServiceAccountMatch, { names: ["it's"] }, 'the SA match still carries the names');
  t.notOk(r.srcIpSetIds);
});
