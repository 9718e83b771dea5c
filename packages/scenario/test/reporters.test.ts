import t from 'tap';
import { renderHtml, renderJson, renderJunit, renderTap } from '../src/report/reporters';
import { renderScenarioTable } from '../src/report/table';
import { summarize, exitCodeFor, type ScenarioResult } from '../src/results';
import type { RequestSpec, Scenario } from '../src/model';

const pos = { file: 's.yaml', line: 7, col: 7 };
function request(id: string, name: string, expect: 'allow' | 'deny', path = '/'): RequestSpec {
  return { id, name, from: { kind: 'workload', key: 'bank/customer' }, to: 'bank/summary', port: 80, method: 'GET', path, headers: {}, expect, pos };
}
const scenario: Scenario = {
  name: 'bank <basic>', file: 's.yaml', pos, compat: '3.2', trustDomain: 'cluster.local',
  resources: [], workloads: [], requests: [], steps: [],
};
const result: ScenarioResult = {
  scenario,
  mode: 'direct',
  durationMs: 1234,
  notes: ['step 1: applied GlobalNetworkPolicy allow-summary'],
  results: [
    {
      request: request('requests[0]', 'reads summary', 'allow', '/summary'), port: 80, expected: 'allow', got: 'allow', detail: 'OK', met: true, durationMs: 2,
      decision: { summary: 'GlobalNetworkPolicy allow-summary ingress rule 1 (Allow)', ruleKey: 'GlobalNetworkPolicy/allow-summary#ingress[0]' },
    },
    {
      request: request('requests[1]', 'posts # hash', 'allow', '/a&b'), port: 80, expected: 'allow', got: 'deny', detail: 'PERMISSION_DENIED', met: false, durationMs: 3,
      decision: { summary: 'no rule matched: end of tier default (deny)', details: ['rule 1: method POST not in [GET]'] },
    },
  ],
};
const summary = summarize([result], 1500);

t.test('summary and exit codes', async (t) => {
  t.match(summary, { total: 2, met: 1, unmet: 1, errors: 0 });
  t.equal(exitCodeFor(summary), 1);
  t.equal(exitCodeFor(summarize([{ ...result, results: [result.results[0]] }], 1)), 0);
  t.equal(exitCodeFor(summarize([{ ...result, error: 'dikastes did not start' }], 1)), 2);
});

t.test('tap', async (t) => {
  t.equal(
    renderTap(summary),
    [
      'TAP version 14',
      '1..2',
      '# Scenario: bank <basic> (direct)',
      'ok 1 - bank <basic>: reads summary (bank/customer → bank/summary:80 GET /summary)',
      'not ok 2 - bank <basic>: posts \\# hash (bank/customer → bank/summary:80 GET /a&b)',
      '  ---',
      '  expected: allow',
      '  got: deny',
      '  detail: "PERMISSION_DENIED"',
      '  decidedBy: "no rule matched: end of tier default (deny)"',
      '  at: "s.yaml:7:7"',
      '  ...',
      '',
    ].join('\n'),
  );
});

t.test('junit', async (t) => {
  t.equal(
    renderJunit(summary),
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="alpsim" tests="2" failures="1" errors="0" time="1.500">',
      '  <testsuite name="bank &lt;basic&gt;" file="s.yaml" tests="2" failures="1" errors="0" time="1.234">',
      '    <properties><property name="mode" value="direct"/><property name="compat" value="3.2"/></properties>',
      '    <testcase classname="bank &lt;basic&gt;" name="reads summary (bank/customer → bank/summary:80 GET /summary)" file="s.yaml" line="7" time="0.002"/>',
      '    <testcase classname="bank &lt;basic&gt;" name="posts # hash (bank/customer → bank/summary:80 GET /a&amp;b)" file="s.yaml" line="7" time="0.003">',
      '      <failure message="expected allow, got deny (PERMISSION_DENIED)" type="verdict">decided by: no rule matched: end of tier default (deny)</failure>',
      '    </testcase>',
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n'),
  );
});

t.test('json', async (t) => {
  const parsed = JSON.parse(renderJson(summary));
  t.same(parsed.summary, { total: 2, met: 1, unmet: 1, errors: 0, durationMs: 1500 });
  t.same(parsed.scenarios[0].requests[1], {
    id: 'requests[1]', name: 'posts # hash', from: 'bank/customer', to: 'bank/summary', port: 80, method: 'GET', path: '/a&b',
    expected: 'allow', got: 'deny', detail: 'PERMISSION_DENIED', met: false, step: null,
    decidedBy: 'no rule matched: end of tier default (deny)', rule: null, explanation: ['rule 1: method POST not in [GET]'], at: 's.yaml:7:7',
  });
  t.equal(parsed.scenarios[0].requests[0].rule, 'GlobalNetworkPolicy/allow-summary#ingress[0]');
});

t.test('html', async (t) => {
  const page = renderHtml(summary);
  t.match(page, /^<!doctype html>/);
  t.match(page, /<h2>bank &lt;basic&gt;<\/h2>/);
  t.equal(page.match(/<tr class="met">/g)?.length, 1);
  t.equal(page.match(/<tr class="unmet">/g)?.length, 1);
  t.match(page, /<code>GET \/a&amp;b<\/code>/);
  t.match(page, /<details><summary>why<\/summary><pre>rule 1: method POST not in \[GET\]<\/pre><\/details>/);
  t.notMatch(page, /<script/);
});

t.test('table', async (t) => {
  const text = renderScenarioTable(result, { color: false, explain: true });
  const lines = text.split('\n');
  t.match(lines[0], /^bank <basic> \(s\.yaml, direct mode, compat 3\.2\) — 1\/2 met in 1234 ms$/);
  t.match(lines[1], /^ +from → to +method path +expected +got +decided by$/);
  t.match(lines[2], /^✓  bank\/customer → bank\/summary:80  GET \/summary +allow +allow +GlobalNetworkPolicy allow-summary ingress rule 1 \(Allow\)$/);
  t.match(lines[3], /^✗  bank\/customer → bank\/summary:80  GET \/a&b +allow +deny +no rule matched/);
  t.equal(lines[4].trim(), 'rule 1: method POST not in [GET]');
  t.equal(lines[5].trim(), '· step 1: applied GlobalNetworkPolicy allow-summary');
});
