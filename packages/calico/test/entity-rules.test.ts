// Golden tests: spec §3.6 entity-rule rewriting table (libcalico-go rules_test.go, release-v3.3).
import t from 'tap';
import { entityRuleSelectors } from '../src/index';

const rows: { ns: string; entity: Record<string, any>; selector: string; notSelector?: string; compat?: '3.2' | '3.28' }[] = [
  { ns: 'namespace2', entity: { selector: 'mylabel = value1' }, selector: "(projectcalico.org/namespace == 'namespace2') && (mylabel = value1)" },
  { ns: 'namespace2', entity: { notSelector: 'has(label2)' }, selector: "projectcalico.org/namespace == 'namespace2'", notSelector: 'has(label2)' },
  { ns: 'namespace2', entity: { namespaceSelector: "namespacelabel1 == 'value1'", notSelector: 'has(label2)' }, selector: 'pcns.namespacelabel1 == "value1"', notSelector: 'has(label2)' },
  { ns: '', entity: { namespaceSelector: "namespacelabel1 == 'value1'", notSelector: 'has(label2)' }, selector: 'pcns.namespacelabel1 == "value1"', notSelector: 'has(label2)' },
  { ns: 'namespace', entity: { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: "key == 'value'" }, selector: "(pcns.key == \"value\") && (projectcalico.org/orchestrator == 'k8s')" },
  { ns: 'namespace', entity: { namespaceSelector: "!has(key) || (has(key) && !key in {'value'})" }, selector: '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))' },
  {
    ns: 'namespace',
    entity: { serviceAccounts: { names: ['sa1', 'sa2'], selector: "key == 'value1'" } },
    selector: "(projectcalico.org/namespace == 'namespace') && ((pcsa.key == \"value1\") && (projectcalico.org/serviceaccount in {\"sa1\", \"sa2\"}))",
  },
  {
    ns: 'namespace',
    entity: { namespaceSelector: "nskey == 'nsvalue'", serviceAccounts: { names: ['sa3'], selector: "key == 'value2'" } },
    selector: '(pcns.nskey == "nsvalue") && ((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"}))',
  },
  {
    ns: '',
    entity: { namespaceSelector: "nskey == 'nsvalue'", serviceAccounts: { names: ['sa3'], selector: "key == 'value2'" }, selector: 'has(label1)' },
    selector: '(pcns.nskey == "nsvalue") && (((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"})) && (has(label1)))',
  },
  {
    ns: 'namespace',
    entity: { namespaceSelector: "nskey == 'nsvalue'", serviceAccounts: { names: ['sa3'], selector: "key == 'value2'" }, selector: 'has(label1)' },
    selector: '(pcns.nskey == "nsvalue") && (((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"})) && (has(label1)))',
  },
  {
    ns: '',
    entity: { serviceAccounts: { names: ['sa1', 'sa2'], selector: "key == 'value1'" } },
    selector: '(pcsa.key == "value1") && (projectcalico.org/serviceaccount in {"sa1", "sa2"})',
  },
  { ns: 'namespace', entity: { serviceAccounts: {} }, selector: '' },
  { ns: '', entity: { serviceAccounts: {} }, selector: '' },
  { ns: '', entity: { selector: 'has(foo)' }, selector: 'has(foo)' },
  // Names only: sorted, de-duplicated, double quotes.
  { ns: '', entity: { serviceAccounts: { names: ['b', 'a', 'b'] } }, selector: 'projectcalico.org/serviceaccount in {"a", "b"}' },
  // all() in a namespaceSelector means "any namespace" (i.e. any namespaced endpoint).
  { ns: 'x', entity: { namespaceSelector: 'all()' }, selector: 'has(projectcalico.org/namespace)' },
  // Only ports: no selector at all, even inside a namespace.
  { ns: 'x', entity: { ports: [80] }, selector: '' },
  // global() (v3.15+): only GlobalNetworkSets / host endpoints.
  { ns: 'x', entity: { namespaceSelector: 'global()', selector: 'role == "db"' }, selector: '(!has(projectcalico.org/namespace)) && (role == "db")', compat: '3.28' },
];

for (const row of rows) {
  t.test(`ns=${JSON.stringify(row.ns)} ${JSON.stringify(row.entity)}`, async (t) => {
    const got = entityRuleSelectors(row.entity, row.ns, row.compat ?? '3.2');
    t.equal(got.selector, row.selector);
    t.equal(got.notSelector, row.notSelector ?? '');
  });
}
