import * as fs from 'node:fs';
import * as path from 'node:path';
import fg from 'fast-glob';
import { ScenarioError } from './errors';
import { parseScenarioFile } from './parse';
import type { Scenario } from './model';

/** The scenario `alpsim run` runs without arguments: the repository's quickstart. */
export function defaultScenarioPath(): string {
  // dist/src/discover.js -> packages/scenario -> repo root
  return path.resolve(__dirname, '..', '..', '..', '..', 'scenarios', 'quickstart.yaml');
}

function looksLikeScenario(file: string): boolean {
  const head = fs.readFileSync(file, 'utf8').slice(0, 4096);
  return /^kind:\s*Scenario\s*$/m.test(head) && /^apiVersion:\s*alpsim\//m.test(head);
}

/**
 * Files named explicitly are parsed as scenarios whatever they hold (so mistakes are reported);
 * directories and globs contribute only YAML files that declare `kind: Scenario` (resource files
 * living next to scenarios are skipped).
 */
export async function findScenarioFiles(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  const add = (f: string) => {
    const abs = path.resolve(f);
    if (!out.some((o) => path.resolve(o) === abs)) out.push(f);
  };
  for (const input of inputs) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(input);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) {
      const files = (await fg('**/*.{yaml,yml}', { cwd: input, onlyFiles: true })).sort().map((f) => path.join(input, f));
      const scenarios = files.filter(looksLikeScenario);
      if (scenarios.length === 0) throw new ScenarioError(`${input}: directory holds no scenario files (YAML with kind: Scenario)`);
      scenarios.forEach(add);
    } else if (stat) {
      add(input);
    } else if (fg.isDynamicPattern(input)) {
      const files = (await fg(input, { onlyFiles: true })).sort().filter(looksLikeScenario);
      if (files.length === 0) throw new ScenarioError(`${input}: pattern matched no scenario files`);
      files.forEach(add);
    } else {
      throw new ScenarioError(`${input}: no such file or directory`);
    }
  }
  return out;
}

/** Parse every file; all problems of all files are reported together. */
export async function loadScenarios(inputs: string[]): Promise<Scenario[]> {
  const files = await findScenarioFiles(inputs.length ? inputs : [defaultScenarioPath()]);
  const scenarios: Scenario[] = [];
  const errors: string[] = [];
  for (const file of files) {
    try {
      scenarios.push(...parseScenarioFile(file));
    } catch (error) {
      if (!(error as { userError?: boolean }).userError) throw error;
      errors.push((error as Error).message);
    }
  }
  if (errors.length) throw new ScenarioError(errors.join('\n'));
  return scenarios;
}
