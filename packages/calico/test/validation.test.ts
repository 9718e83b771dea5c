// Validation like calicoctl + the API server, with file:line:col errors (spec §5).
import t from 'tap';
import { CalicoInputError, formatIssue, parseResources, parseResourcesText, type Compat } from '../src/index';

function errors(yaml: string, compat: Compat = '3.2'): string[] {
  return parseResourcesText(yaml, 'p.yaml', { compat }).issues.map(formatIssue);
}

const np = (spec: string, name = 'web', extra = '') => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: prod${extra}
spec:
${spec}`;

const gnp = (spec: string, name = 'g') => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: ${name}
spec:
${spec}`;

t.test('a file with many errors reports all of them, located, and is rejected whole', async (t) => {
  const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
${np(`  selector: app == 'web'
  ingress:
  - action: allow
    protocol: tcp
    source:
      selector: app = 'x'
    destination:
      ports: [80]
  egress:
  - action: Allow
    http: {methods: [GET]}
    bogus: 1`)}
`;
  t.same(errors(yaml), [
    "p.yaml:13:13: NetworkPolicy prod/web: spec.ingress[0].action: expected one of Allow, Deny, Log, Pass (exact case), got \"allow\"",
    'p.yaml:14:15: NetworkPolicy prod/web: spec.ingress[0].protocol: protocol name invalid: expected one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite (exact case) or 1-255, got "tcp"',
    "p.yaml:16:17: NetworkPolicy prod/web: spec.ingress[0].source.selector: expected a valid selector (column 5): selector \"app = 'x'\": unexpected \"=\" at column 5, expected \"==\" (a single \"=\" is not an operator)",
    'p.yaml:18:14: NetworkPolicy prod/web: spec.ingress[0].destination.ports: rules that specify ports must set protocol to TCP or UDP',
    'p.yaml:21:11: NetworkPolicy prod/web: spec.egress[0].http: HTTP match is not allowed in egress rule(s)',
    'p.yaml:22:5: NetworkPolicy prod/web: spec.egress[0].bogus: unknown field "bogus"; expected one of: action, destination, http, icmp, ipVersion, notICMP, notProtocol, protocol, source',
  ]);
  let caught: unknown;
  try {
    parseResources(yaml, 'p.yaml');
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof CalicoInputError, 'throws CalicoInputError');
  t.equal((caught as CalicoInputError).userError, true);
  t.equal((caught as CalicoInputError).issues.length, 6);
  t.equal((caught as Error).message.split('\n').length, 6, 'one line per problem');
  const { resources } = parseResourcesText(yaml, 'p.yaml');
  t.same(resources.map((r) => r.kind), ['Namespace'], 'valid documents are parsed, but parseResources/loadResources reject the file');
});

const cases: [string, string, (string | RegExp)[] | RegExp, Compat?][] = [
  ['http only for Allow', np(`  ingress:\n  - action: Deny\n    http: {methods: [GET]}`), ['p.yaml:9:11: NetworkPolicy prod/web: spec.ingress[0].http: HTTP match is only valid for Allow rules']],
  ['duplicate methods', np(`  ingress:\n  - action: Allow\n    http: {methods: [GET, PUT, GET]}`), ['p.yaml:9:21: NetworkPolicy prod/web: spec.ingress[0].http.methods: Invalid methods (duplicates)']],
  [
    'path rules',
    np(`  ingress:\n  - action: Allow\n    http:\n      paths:\n      - {exact: /a, prefix: /b}\n      - {}\n      - {prefix: "no-slash"}\n      - {exact: "/a?b"}`),
    [
      "p.yaml:11:9: NetworkPolicy prod/web: spec.ingress[0].http.paths[0]: Both 'exact' and 'prefix' are set",
      "p.yaml:12:9: NetworkPolicy prod/web: spec.ingress[0].http.paths[1]: Either 'exact' or 'prefix' must be set",
      "p.yaml:13:18: NetworkPolicy prod/web: spec.ingress[0].http.paths[2].prefix: expected a path starting with '/' and without '?', '#' or spaces, got \"no-slash\"",
      "p.yaml:14:17: NetworkPolicy prod/web: spec.ingress[0].http.paths[3].exact: expected a path starting with '/' and without '?', '#' or spaces, got \"/a?b\"",
    ],
  ],
  ['missing action', np(`  ingress:\n  - protocol: TCP`), ['p.yaml:8:5: NetworkPolicy prod/web: spec.ingress[0]: required field "action" is missing']],
  ['types', np(`  types: [Ingress, Ingress, egress]`), ["p.yaml:7:20: NetworkPolicy prod/web: spec.types[1]: 'Ingress' type specified more than once", 'p.yaml:7:29: NetworkPolicy prod/web: spec.types[2]: expected Ingress or Egress (exact case), got "egress"']],
  ['protocol numbers', np(`  ingress:\n  - {action: Allow, protocol: 256}\n  - {action: Allow, notProtocol: 0}`), ['p.yaml:8:31: NetworkPolicy prod/web: spec.ingress[0].protocol: protocol number invalid: expected 1-255', 'p.yaml:9:34: NetworkPolicy prod/web: spec.ingress[1].notProtocol: protocol number invalid: expected 1-255']],
  [
    'ports',
    np(`  ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [0, "90:80", "Bad_Name", "http-", 70000]}`),
    [
      'p.yaml:10:27: NetworkPolicy prod/web: spec.ingress[0].destination.ports[0]: port range invalid, port number must be between 1 and 65535',
      'p.yaml:10:30: NetworkPolicy prod/web: spec.ingress[0].destination.ports[1]: minimum port number (90) is greater than maximum (80)',
      "p.yaml:10:39: NetworkPolicy prod/web: spec.ingress[0].destination.ports[2]: invalid port name \"Bad_Name\": expected at most 15 lower-case alphanumeric characters or '-', with at least one letter and no leading, trailing or double '-'",
      "p.yaml:10:51: NetworkPolicy prod/web: spec.ingress[0].destination.ports[3]: invalid port name \"http-\": expected at most 15 lower-case alphanumeric characters or '-', with at least one letter and no leading, trailing or double '-'",
      'p.yaml:10:60: NetworkPolicy prod/web: spec.ingress[0].destination.ports[4]: port range invalid, port number must be between 1 and 65535',
    ],
  ],
  [
    'icmp',
    np(`  ingress:\n  - {action: Allow, protocol: TCP, icmp: {type: 3}}\n  - {action: Allow, protocol: ICMP, icmp: {code: 1}}\n  - {action: Allow, protocol: ICMP, ipVersion: 6}\n  - {action: Allow, protocol: ICMPv6, ipVersion: 4, icmp: {type: 255}}`),
    [
      'p.yaml:8:42: NetworkPolicy prod/web: spec.ingress[0].icmp: rules that specify ICMP fields must set protocol to ICMP',
      'p.yaml:9:50: NetworkPolicy prod/web: spec.ingress[1].icmp.code: ICMP code specified without an ICMP type',
      "p.yaml:10:48: NetworkPolicy prod/web: spec.ingress[2].ipVersion: must set ipversion to '4' with protocol icmp",
      "p.yaml:11:50: NetworkPolicy prod/web: spec.ingress[3].ipVersion: must set ipversion to '6' with protocol icmpv6",
      'p.yaml:11:66: NetworkPolicy prod/web: spec.ingress[3].icmp.type: ICMP type must be between 0 and 254',
    ],
  ],
  [
    'nets',
    np(`  ingress:\n  - action: Allow\n    source: {nets: [10.0.0.1/8, "fd00::/64", nonsense]}\n  - action: Allow\n    ipVersion: 6\n    destination: {notNets: [10.0.0.0/8]}`),
    [
      'p.yaml:8:5: NetworkPolicy prod/web: spec.ingress[0]: rule contains both IPv4 and IPv6 CIDRs',
      'p.yaml:9:21: NetworkPolicy prod/web: spec.ingress[0].source.nets[0]: network "10.0.0.1/8" is not strictly masked (host bits set)',
      'p.yaml:9:46: NetworkPolicy prod/web: spec.ingress[0].source.nets[2]: expected an IP address or CIDR, got "nonsense"',
      "p.yaml:12:29: NetworkPolicy prod/web: spec.ingress[1].destination.notNets[0]: rule IP version doesn't match CIDR version",
    ],
  ],
  ['NP names', np('  selector: all()', 'Web_1'), [/p\.yaml:4:9: NetworkPolicy prod\/Web_1: metadata\.name: name must consist of lower case alphanumeric characters or '-'/]],
  ['knp-style NP names are allowed', np('  selector: all()', 'knp.default.foo'), []],
  ['GNP names: labels only', gnp('  selector: all()', 'knp.default.foo'), [/p\.yaml:4:9: GlobalNetworkPolicy knp\.default\.foo: metadata\.name: name must consist/]],
  [
    'GNP doNotTrack/preDNAT',
    gnp(`  doNotTrack: true\n  preDNAT: true\n  egress: [{action: Allow}]\n  types: [Egress]`),
    [
      'p.yaml:7:12: GlobalNetworkPolicy g: spec.preDNAT: preDNAT and doNotTrack cannot both be true',
      'p.yaml:8:11: GlobalNetworkPolicy g: spec.egress: preDNAT policy cannot have any egress rules',
      "p.yaml:9:10: GlobalNetworkPolicy g: spec.types: preDNAT policy cannot have 'Egress' type",
      'p.yaml:6:3: GlobalNetworkPolicy g: spec.applyOnForward: applyOnForward must be true if either preDNAT or doNotTrack is true',
    ].sort(),
  ],
  ['fields added after 2018 are unknown at compat 3.2', gnp(`  serviceAccountSelector: "a == 'b'"`), [/p\.yaml:6:3: GlobalNetworkPolicy g: spec\.serviceAccountSelector: unknown field "serviceAccountSelector" \(serviceAccountSelector \(Calico v3\.10\) is not in Calico v3\.2; use compat 3\.28\)/]],
  ['... and accepted at 3.28', gnp(`  serviceAccountSelector: "a == 'b'"`), [], '3.28'],
  ['global() alone in namespaceSelector only', gnp(`  selector: global()\n  ingress: [{action: Allow, source: {namespaceSelector: "global() || has(a)"}}]`), ['p.yaml:6:13: GlobalNetworkPolicy g: spec.selector: global() is only allowed (alone) in a rule namespaceSelector', 'p.yaml:7:57: GlobalNetworkPolicy g: spec.ingress[0].source.namespaceSelector: global() must be used alone in a namespaceSelector'], '3.28'],
  ['Tier needs compat 3.29', 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\n', [/p\.yaml:2:7: Tier sec: kind: Tier resources exist from Calico v3\.29/]],
  ['tier prefix at 3.29', gnp('  tier: sec\n  selector: all()', 'block'), ['p.yaml:4:9: GlobalNetworkPolicy block: metadata.name: policy name must be prefixed with its tier: "sec.<name>"'], '3.29'],
  ['GlobalNetworkSet reserved label', 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n  name: s\n  labels: {projectcalico.org/namespace: x}\nspec: {nets: [1.2.3.4/32]}', [/p\.yaml:5:12: GlobalNetworkSet s: metadata\.labels\.projectcalico\.org\/namespace: label projectcalico\.org\/namespace is reserved/]],
  ['unknown kind', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', [/p\.yaml:2:7: kind: unsupported resource \(apiVersion "v1" kind "ConfigMap"\); expected one of: projectcalico\.org\/v3 NetworkPolicy/]],
  ['YAML syntax', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x\n', [/^p\.yaml:\d+:\d+: invalid YAML\/JSON: /]],
  ['Pod container port type', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    ports: [{containerPort: "80"}]\n', [/p\.yaml:7:29: Pod default\/p: spec\.containers\[0\]\.ports\[0\]\.containerPort: expected integer, got string "80"/]],
  [
    'k8s kinds: strict fields like kubectl',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      serviceaccountName: foo\n      containers:\n      - {name: c, image: x, ports: [{containerPort: 80, nmae: http}]}\n',
    [
      'p.yaml:9:7: Deployment default/d: spec.template.spec.serviceaccountName: unknown field "serviceaccountName"; did you mean "serviceAccountName"?',
      'p.yaml:11:57: Deployment default/d: spec.template.spec.containers[0].ports[0].nmae: unknown field "nmae"; did you mean "name"?',
    ],
  ],
  ['cluster-scoped with namespace', 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g, namespace: x}\n', ['p.yaml:3:32: GlobalNetworkPolicy g: metadata.namespace: GlobalNetworkPolicy is cluster-scoped: namespace must not be set']],
  ['port names in profiles need TCP/UDP too', 'apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: p}\nspec:\n  egress: [{action: Allow, http: {methods: [GET]}, destination: {ports: [http]}}]\n', ['p.yaml:5:73: Profile p: spec.egress[0].destination.ports: rules that specify ports must set protocol to TCP or UDP']],
];

for (const [title, yaml, want, compat] of cases) {
  t.test(title, async (t) => {
    const got = errors(yaml, compat);
    if (want instanceof RegExp) return void t.match(got.join('\n'), want);
    if (want.some((w) => w instanceof RegExp)) {
      t.equal(got.length, want.length, got.join('\n'));
      want.forEach((w, i) => t.match(got[i], w));
      return;
    }
    t.same([...got].sort(), [...(want as string[])].sort());
  });
}

t.test('JSON input is located too', async (t) => {
  const json = '{\n  "apiVersion": "projectcalico.org/v3",\n  "kind": "GlobalNetworkPolicy",\n  "metadata": {"name": "g"},\n  "spec": {"ingress": [{"action": "Accept"}]}\n}\n';
  t.same(errors(json), ['p.yaml:5:35: GlobalNetworkPolicy g: spec.ingress[0].action: expected one of Allow, Deny, Log, Pass (exact case), got "Accept"']);
});

t.test('List items carry their own positions', async (t) => {
  const yaml = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: ok}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: Bad}\n';
  t.match(errors(yaml), [/^p\.yaml:9:20: Namespace Bad: metadata\.name: name must consist/]);
});
