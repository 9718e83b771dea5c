import { describeSource, ROUTINE_DETAILS, type RequestResult, type RunSummary } from '../results';

export const REPORTERS = ['table', 'tap', 'junit', 'json', 'html'] as const;
export type ReporterName = (typeof REPORTERS)[number];

function title(r: RequestResult): string {
  return `${r.request.name} (${describeSource(r.request)} → ${r.request.to}:${r.port} ${r.request.method} ${r.request.path})`;
}

/** TAP version 14: one test point per request; unmet expectations carry a YAML diagnostic block. */
export function renderTap(summary: RunSummary): string {
  const out: string[] = ['TAP version 14'];
  let n = 0;
  const total = summary.total + summary.errors;
  out.push(`1..${total}`);
  for (const s of summary.scenarios) {
    out.push(`# Scenario: ${s.scenario.name} (${s.mode})`);
    for (const r of s.results) {
      n++;
      out.push(`${r.met ? 'ok' : 'not ok'} ${n} - ${s.scenario.name}: ${title(r).replace(/#/g, '\\#')}`);
      if (!r.met) {
        out.push('  ---');
        out.push(`  expected: ${r.expected}`);
        out.push(`  got: ${r.got}`);
        out.push(`  detail: ${JSON.stringify(r.detail)}`);
        if (r.decision) out.push(`  decidedBy: ${JSON.stringify(r.decision.summary)}`);
        out.push(`  at: ${JSON.stringify(`${r.request.pos.file}:${r.request.pos.line}:${r.request.pos.col}`)}`);
        out.push('  ...');
      }
    }
    if (s.error) {
      n++;
      out.push(`not ok ${n} - ${s.scenario.name}: harness`);
      out.push('  ---', `  error: ${JSON.stringify(s.error)}`, '  ...');
    }
  }
  return out.join('\n') + '\n';
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** JUnit XML: one <testsuite> per scenario, one <testcase> per request, <failure> for unmet expectations. */
export function renderJunit(summary: RunSummary): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="alpsim" tests="${summary.total}" failures="${summary.unmet}" errors="${summary.errors}" time="${(summary.durationMs / 1000).toFixed(3)}">`,
  );
  for (const s of summary.scenarios) {
    const failures = s.results.filter((r) => !r.met).length;
    out.push(
      `  <testsuite name="${xml(s.scenario.name)}" file="${xml(s.scenario.file)}" tests="${s.results.length}" failures="${failures}" errors="${s.error ? 1 : 0}" time="${(s.durationMs / 1000).toFixed(3)}">`,
    );
    out.push(`    <properties><property name="mode" value="${s.mode}"/><property name="compat" value="${xml(s.scenario.compat)}"/></properties>`);
    for (const r of s.results) {
      const attrs = `classname="${xml(s.scenario.name)}" name="${xml(title(r))}" file="${xml(r.request.pos.file)}" line="${r.request.pos.line}" time="${(r.durationMs / 1000).toFixed(3)}"`;
      if (r.met) {
        out.push(`    <testcase ${attrs}/>`);
      } else {
        const message = `expected ${r.expected}, got ${r.got} (${r.detail})`;
        const body = r.decision ? `decided by: ${r.decision.summary}` : '';
        out.push(`    <testcase ${attrs}>`);
        out.push(`      <failure message="${xml(message)}" type="verdict">${xml(body)}</failure>`);
        out.push('    </testcase>');
      }
    }
    if (s.error) out.push(`    <testcase classname="${xml(s.scenario.name)}" name="harness"><error message="${xml(s.error)}"/></testcase>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** Machine-readable results: stable field names, one object per request. */
export function toJsonReport(summary: RunSummary): unknown {
  return {
    summary: { total: summary.total, met: summary.met, unmet: summary.unmet, errors: summary.errors, durationMs: Math.round(summary.durationMs) },
    scenarios: summary.scenarios.map((s) => ({
      name: s.scenario.name,
      file: s.scenario.file,
      mode: s.mode,
      compat: s.scenario.compat,
      durationMs: Math.round(s.durationMs),
      error: s.error ?? null,
      notes: s.notes,
      requests: s.results.map((r) => ({
        id: r.request.id,
        name: r.request.name,
        from: describeSource(r.request),
        to: r.request.to,
        port: r.port,
        method: r.request.method,
        path: r.request.path,
        expected: r.expected,
        got: r.got,
        detail: r.detail,
        met: r.met,
        step: r.step ?? null,
        decidedBy: r.decision?.summary ?? null,
        rule: r.decision?.ruleKey ?? null,
        explanation: r.decision?.details ?? null,
        at: `${r.request.pos.file}:${r.request.pos.line}:${r.request.pos.col}`,
      })),
    })),
  };
}

export function renderJson(summary: RunSummary): string {
  return JSON.stringify(toJsonReport(summary), null, 2) + '\n';
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A single self-contained HTML page (no scripts, no external assets). */
export function renderHtml(summary: RunSummary): string {
  const out: string[] = [];
  out.push('<!doctype html>', '<html lang="en"><head><meta charset="utf-8"><title>alpsim report</title>');
  out.push(
    '<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}' +
      'td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}tr.unmet{background:#fdd}' +
      'tr.met td.mark{color:#080}tr.unmet td.mark{color:#c00}code{font-size:90%}details{font-size:85%}</style></head><body>',
  );
  out.push(`<h1>alpsim report</h1><p class="summary">${summary.met}/${summary.total} expectations met, ${summary.unmet} unmet, ${summary.errors} harness failure(s).</p>`);
  for (const s of summary.scenarios) {
    out.push(`<h2>${html(s.scenario.name)}</h2><p><code>${html(s.scenario.file)}</code> — ${s.mode} mode, compat ${html(s.scenario.compat)}</p>`);
    if (s.error) out.push(`<p class="error">harness failure: ${html(s.error)}</p>`);
    out.push('<table><thead><tr><th></th><th>from → to</th><th>method path</th><th>expected</th><th>got</th><th>decided by</th></tr></thead><tbody>');
    for (const r of s.results) {
      const details = r.decision?.details?.length
        ? `<details><summary>why</summary><pre>${html(r.decision.details.join('\n'))}</pre></details>`
        : '';
      out.push(
        `<tr class="${r.met ? 'met' : 'unmet'}"><td class="mark">${r.met ? '✓' : '✗'}</td>` +
          `<td>${html(`${describeSource(r.request)} → ${r.request.to}:${r.port}`)}</td>` +
          `<td><code>${html(`${r.request.method} ${r.request.path}`)}</code></td><td>${r.expected}</td>` +
          `<td>${html(r.got)}${ROUTINE_DETAILS.has(r.detail) ? '' : ` (${html(r.detail)})`}</td>` +
          `<td>${html(r.decision?.summary ?? '')}${details}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
    if (s.notes.length) out.push(`<ul>${s.notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>`);
  }
  out.push('</body></html>');
  return out.join('\n') + '\n';
}

export function renderReport(name: Exclude<ReporterName, 'table'>, summary: RunSummary): string {
  switch (name) {
    case 'tap':
      return renderTap(summary);
    case 'junit':
      return renderJunit(summary);
    case 'json':
      return renderJson(summary);
    case 'html':
      return renderHtml(summary);
  }
}
