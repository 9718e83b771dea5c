// Shell code passes shellcheck: scripts/kind (up, down, lib.sh), the image's entry points, and the
// client program every request Job runs (checked as POSIX sh, the curl image's shell).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { loadScenarios, resolveScenario } from '@alpsim/scenario';
import { clientScript } from '../src/client-script';
import { exportScenario } from '../src/export';
import { kindScriptsDir, loadVersions } from '../src/versions';
import { REPO_ROOT } from './helpers/validate';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const skip = hasShellcheck ? false : 'shellcheck is not installed (.ci/run installs it: apt-get install shellcheck)';

function shellcheck(args: string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync('shellcheck', args, { cwd: REPO_ROOT, input, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

t.test('scripts/kind and docker/ entry points are shellcheck-clean', { skip }, async (t) => {
  const dir = kindScriptsDir();
  const files = [
    ...['up', 'down', 'lib.sh'].map((f) => path.relative(REPO_ROOT, path.join(dir, f))),
    ...fs.readdirSync(path.join(REPO_ROOT, 'docker')).map((f) => path.join('docker', f)),
  ];
  for (const f of files) {
    const r = shellcheck(['--external-sources', f]);
    t.equal(r.status, 0, `${f}${r.output ? `\n${r.output}` : ''}`);
  }
  for (const f of ['up', 'down']) {
    const mode = fs.statSync(path.join(dir, f)).mode;
    t.ok(mode & 0o111, `${f} is executable`);
    t.match(fs.readFileSync(path.join(dir, f), 'utf8'), /^#!\/usr\/bin\/env bash\n[\s\S]*^set -euo pipefail$/m, `${f}: bash with set -euo pipefail`);
  }
});

t.test('the generated client programs are shellcheck-clean POSIX sh', { skip }, async (t) => {
  const versions = loadVersions();
  const scenarios = await loadScenarios([path.join(REPO_ROOT, 'scenarios')]);
  let checked = 0;
  for (const s of scenarios) {
    const exp = exportScenario(await resolveScenario(s), { versions });
    for (const job of [...exp.baseFiles, ...exp.stepFiles].flatMap((f) => f.objects).filter((o) => o.kind === 'Job')) {
      const [shell, flag, script] = job.spec.template.spec.containers[0].command as string[];
      t.same([shell, flag], ['/bin/sh', '-c']);
      const r = shellcheck(['--shell=sh', '-'], script);
      t.equal(r.status, 0, `${s.name} ${job.metadata.name}${r.output ? `\n${r.output}` : ''}`);
      checked++;
    }
  }
  t.ok(checked > 0, `${checked} Job scripts checked`);
  // Awkward input: quotes, spaces and shell metacharacters in paths and headers stay data.
  const tricky = clientScript(
    [{ id: 'requests[0]', url: "http://a.b.svc.cluster.local:80/$(id)`x`'\"; rm -rf /", method: 'GET', headers: { 'x-a': "it's $HOME" } }],
    { settleSeconds: 0, timeoutSeconds: 1, marker: 'm' },
  );
  // SC2016 ("expressions don't expand in single quotes") is the point here: they must not.
  const r = shellcheck(['--shell=sh', '--exclude=SC2016', '-'], tricky);
  t.equal(r.status, 0, r.output);
});

t.test('the run: blocks of .github/workflows/kind.yml are shellcheck-clean bash', { skip }, async (t) => {
  const workflow = parseYaml(fs.readFileSync(path.join(REPO_ROOT, '.github', 'workflows', 'kind.yml'), 'utf8'));
  const steps = Object.values(workflow.jobs as Record<string, { steps: Array<{ name?: string; run?: string }> }>).flatMap((j) => j.steps);
  const runs = steps.filter((s) => s.run);
  t.ok(runs.length >= 4);
  for (const step of runs) {
    // GitHub substitutes ${{ ... }} before bash runs; any plain word stands in for it here.
    const script = `#!/usr/bin/env bash\nset -eo pipefail\n${step.run!.replace(/\$\{\{[^}]*\}\}/g, 'matrixvalue')}`;
    const r = shellcheck(['--shell=bash', '-'], script);
    t.equal(r.status, 0, `${step.name}${r.output ? `\n${r.output}` : ''}`);
  }
  const names = steps.map((s) => s.name ?? '');
  t.ok(names.indexOf('scripts/kind/up') < names.findIndex((n) => n.startsWith('alpsim kind run')), 'up before the scenarios');
  t.equal(steps.find((s) => s.name === 'scripts/kind/down')?.run, 'scripts/kind/down');
  t.match(steps.find((s) => s.name === 'scripts/kind/down'), { if: 'always()' }, 'down runs even when scenarios fail');
});
