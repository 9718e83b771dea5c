// Rendering an export to files: multi-document YAML in a stable order, plus plan.json for `kind run`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { KindExport, ManifestFile } from './export';

export function renderManifestFile(file: ManifestFile, scenario: string): string {
  const header = `# alpsim kind export — scenario ${scenario}: ${file.name}\n`;
  if (!file.objects.length) return `${header}# (nothing to apply)\n`;
  return header + file.objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}

export interface ExportedFile {
  name: string;
  text: string;
}

/** Every file of the export, in application order (base files, then step files, then plan.json). */
export function exportFiles(exp: KindExport): ExportedFile[] {
  const files = [...exp.baseFiles, ...exp.stepFiles].map((f) => ({ name: f.name, text: renderManifestFile(f, exp.scenario) }));
  const plan = {
    scenario: exp.scenario,
    apply: exp.baseFiles.map((f) => f.name),
    waitForPods: exp.pods,
    then: exp.plan,
    warnings: exp.warnings,
  };
  files.push({ name: 'plan.json', text: JSON.stringify(plan, null, 2) + '\n' });
  return files;
}

/** Write into `dir` (created if missing); a previous export's files there are replaced. */
export function writeExport(exp: KindExport, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  for (const old of fs.readdirSync(dir)) {
    if (/^\d\d-.*\.yaml$/.test(old) || old === 'plan.json') fs.rmSync(path.join(dir, old));
  }
  const written: string[] = [];
  for (const f of exportFiles(exp)) {
    const file = path.join(dir, f.name);
    fs.writeFileSync(file, f.text);
    written.push(file);
  }
  return written;
}
