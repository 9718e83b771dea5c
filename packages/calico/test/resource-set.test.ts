// ResourceSet: apply/delete by kind+namespace+name, whole-batch rejection, sticky pod IPs, tiers.
import { createHash } from 'node:crypto';
import t from 'tap';
import { messageType } from '@alpsim/proto';
import { CalicoInputError, ResourceSet, assignRuleIds, policyKey } from '../src/index';
import { yamlResources } from './helpers';

const POD = (name: string, labels = '{app: web}') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop, labels: ${labels}}
spec: {containers: [{name: c, image: x}]}
`;
const GNP = (action: string) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-web}
spec:
  selector: app == 'web'
  ingress: [{action: ${action}}]
`;

t.test('apply, replace, delete; IPs stay with their pods', async (t) => {
  const set = new ResourceSet({ compat: '3.2' });
  set.applyText(`${POD('a')}---\n${POD('b')}---\n${GNP('Allow')}`, 'x.yaml');
  let st = set.compute();
  const ipA = st.endpoints.get('shop/a')!.ips[0];
  const ipB = st.endpoints.get('shop/b')!.ips[0];
  t.not(ipA, ipB);
  t.equal(st.policies.get(policyKey({ tier: 'default', name: 'default.allow-web' }))!.policy.inboundRules![0].action, 'allow');

  set.apply(yamlResources(GNP('Deny')));
  st = set.compute();
  t.equal(st.policies.get(policyKey({ tier: 'default', name: 'default.allow-web' }))!.policy.inboundRules![0].action, 'deny', 'replaced');

  set.delete([{ kind: 'Pod', namespace: 'shop', name: 'a' }]);
  set.apply(yamlResources(POD('c')));
  st = set.compute();
  t.notOk(st.endpoints.has('shop/a'));
  t.equal(st.endpoints.get('shop/b')!.ips[0], ipB, 'b keeps its IP');
  t.not(st.endpoints.get('shop/c')!.ips[0], ipA, 'a released IP is not reused at once');

  set.delete([{ kind: 'GlobalNetworkPolicy', name: 'allow-web' }]);
  t.equal(set.compute().policies.size, 0);
});

t.test('a batch with any error changes nothing', async (t) => {
  const set = new ResourceSet({ compat: '3.2' });
  set.apply(yamlResources(GNP('Allow')));
  const bad = yamlResources(POD('z'));
  bad.push({ ...yamlResources(GNP('Deny'))[0] });
  bad[1] = { ...bad[1], object: { ...bad[1].object, spec: { ingress: [{ action: 'deny' }] } } };
  t.throws(() => set.apply(bad), CalicoInputError);
  t.equal(set.size, 1, 'the valid pod of the batch was not applied either');
  t.throws(() => set.delete([{ kind: 'Pod', namespace: 'shop', name: 'nope' }]), { userError: true, message: /Pod shop\/nope: not found/ });
  t.throws(() => set.applyText('kind: Nope\n', 'n.yaml'), { userError: true, message: /^n\.yaml:1:7: kind: unsupported resource/ });
});

t.test('replaceFile: what a file watcher does on edit', async (t) => {
  const set = new ResourceSet({ compat: '3.2' });
  const first = yamlResources(`${POD('a')}---\n${GNP('Allow')}`);
  set.replaceFile('inline.yaml', first);
  set.replaceFile('inline.yaml', yamlResources(POD('a')));
  t.same(set.list().map((r) => r.name), ['a'], 'the GNP removed from the file is deleted');
});

t.test('tiers must exist (compat 3.29)', async (t) => {
  const set = new ResourceSet({ compat: '3.29' });
  const tier = 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 10}\n';
  const pol = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: sec.p}\nspec: {tier: sec, selector: all()}\n';
  t.throws(() => set.applyText(pol, 'p.yaml'), { message: /p\.yaml:1:1: GlobalNetworkPolicy sec\.p: spec\.tier: tier "sec" does not exist/ });
  set.applyText(tier + '---\n' + pol, 'p.yaml');
  t.throws(() => set.delete([{ kind: 'Tier', name: 'sec' }]), { message: /its Tier was deleted/ });
  t.equal(set.size, 2);
});

t.test('rule ids follow the §3.8 chain', async (t) => {
  const Rule = messageType('felix.Rule');
  const rules = [{ action: 'allow' }, { action: 'deny', protocol: { name: 'tcp' } }];
  assignRuleIds(rules as any, 'pol-in-default/default.x');
  let h = createHash('sha224').update('pol-in-default/default.x').digest();
  for (const r of rules as any[]) {
    const bytes = Rule.encode(Rule.fromObject({ ...r, ruleId: undefined })).finish();
    h = createHash('sha224').update(h).update(bytes).digest();
    t.equal(r.ruleId, h.toString('base64url').slice(0, 16));
  }
  const again = [{ action: 'allow' }, { action: 'deny', protocol: { name: 'tcp' } }];
  assignRuleIds(again as any, 'pol-in-default/default.y');
  t.not((again[0] as any).ruleId, (rules[0] as any).ruleId, 'seeded by the policy name');
});
