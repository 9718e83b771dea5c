// Loading resources from files, directories, globs and stdin; multi-document YAML and JSON; kind: List.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fg from 'fast-glob';
import { CalicoInputError, formatFieldPath, userError, type LocatedIssue } from './errors';
import { describeResource } from './kinds';
import { validateResource } from './validate';
import { parseDocuments } from './yaml-docs';
import { DEFAULT_COMPAT, type Compat, type LoadedResource } from './types';

export interface LoadOptions {
  compat?: Compat;
  /** Text to use for '-' instead of reading process.stdin (tests, embedding). */
  stdinText?: string;
}

export interface ParseResult {
  resources: LoadedResource[];
  issues: LocatedIssue[];
}

/** Objects the loader already validated (and at which compat), so a ResourceSet need not redo it. */
const validated = new WeakMap<object, Compat>();
function markValidated(obj: object, compat: Compat): void {
  validated.set(obj, compat);
}
export function wasValidated(obj: object, compat: Compat): boolean {
  return validated.get(obj) === compat;
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates one file's text; never throws for bad input (issues are returned). */
export function parseResourcesText(text: string, fileName: string, opts: LoadOptions = {}): ParseResult {
  const compat = opts.compat ?? DEFAULT_COMPAT;
  const resources: LoadedResource[] = [];
  const issues: LocatedIssue[] = [];
  if (/\.json$/i.test(fileName)) {
    // YAML would accept JSON-ish text (trailing commas, comments); a .json file must be strict JSON.
    const problem = strictJsonProblem(text);
    if (problem) return { resources, issues: [{ file: fileName, ...problem, resource: '', field: '', message: `invalid JSON: ${problem.message}` }] };
  }
  for (const doc of parseDocuments(text)) {
    for (const e of doc.syntaxErrors) issues.push({ file: fileName, line: e.line, col: e.col, resource: '', field: '', message: `invalid YAML/JSON: ${e.message}` });
    if (doc.syntaxErrors.length || doc.value === undefined || doc.value === null) continue;
    if (!isObj(doc.value)) {
      const p = doc.locate([]);
      issues.push({ file: fileName, ...p, resource: '', field: '', message: 'expected a resource (a map with apiVersion, kind, metadata)' });
      continue;
    }
    const docs: { obj: unknown; base: (string | number)[] }[] = [];
    if (doc.value.kind === 'List' || (typeof doc.value.kind === 'string' && doc.value.kind.endsWith('List') && Array.isArray(doc.value.items))) {
      if (!Array.isArray(doc.value.items)) {
        issues.push({ file: fileName, ...doc.locate(['items']), resource: 'List', field: 'items', message: 'expected a list of resources' });
        continue;
      }
      doc.value.items.forEach((item: unknown, i: number) => docs.push({ obj: item, base: ['items', i] }));
    } else {
      docs.push({ obj: doc.value, base: [] });
    }
    for (const { obj, base } of docs) {
      if (!isObj(obj)) {
        issues.push({ file: fileName, ...doc.locate(base), resource: '', field: formatFieldPath(base), message: 'expected a resource map' });
        continue;
      }
      const result = validateResource(obj, compat);
      for (const issue of result.issues) {
        const p = doc.locate([...base, ...issue.path], issue.atKey);
        issues.push({ file: fileName, ...p, resource: result.label, field: formatFieldPath(issue.path), message: issue.message });
      }
      if (result.resource) {
        markValidated(result.resource.object, compat);
        const p = doc.locate(base);
        resources.push({ ...result.resource, source: { file: fileName, ...p } });
      }
    }
  }
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  return { resources, issues };
}

function strictJsonProblem(text: string): { line: number; col: number; message: string } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : 0;
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, col: before[before.length - 1].length + 1, message: message.replace(/ in JSON at position \d+.*$/, '') };
  }
}

/** Parses one file's text; throws a userError listing every problem if any. */
export function parseResources(text: string, fileName: string, opts: LoadOptions = {}): LoadedResource[] {
  const { resources, issues } = parseResourcesText(text, fileName, opts);
  if (issues.length) throw new CalicoInputError(issues);
  return resources;
}

const RESOURCE_FILE_GLOB = '**/*.{yaml,yml,json}';

/** Expands inputs (files, directories, globs, '-') into an ordered list of file names. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const input of inputs) {
    if (input === '-') {
      add('-');
      continue;
    }
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(input);
    } catch {
      stat = undefined;
    }
    if (stat?.isDirectory()) {
      const files = await fg(RESOURCE_FILE_GLOB, { cwd: input, onlyFiles: true, dot: false });
      files.sort();
      if (files.length === 0) throw userError(`${input}: directory contains no *.yaml, *.yml or *.json files`);
      files.forEach((f) => add(path.join(input, f)));
    } else if (stat) {
      add(input);
    } else if (fg.isDynamicPattern(input)) {
      const files = await fg(input, { onlyFiles: true });
      files.sort();
      if (files.length === 0) throw userError(`${input}: pattern matched no files`);
      files.forEach(add);
    } else {
      throw userError(`${input}: no such file or directory`);
    }
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Loads every input. All problems of all files are reported together (one userError); nothing is
 * returned unless every file is valid. Duplicate resources (same kind/namespace/name) are errors.
 */
export async function loadResources(inputs: string[], opts: LoadOptions = {}): Promise<LoadedResource[]> {
  if (inputs.length === 0) throw userError('no resource files given');
  const files = await expandInputs(inputs);
  const all: LoadedResource[] = [];
  const issues: LocatedIssue[] = [];
  for (const file of files) {
    let text: string;
    const name = file === '-' ? '<stdin>' : file;
    try {
      text = file === '-' ? opts.stdinText ?? (await readStdin()) : fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw userError(`${name}: cannot read: ${(err as Error).message}`);
    }
    const r = parseResourcesText(text, name, opts);
    issues.push(...r.issues);
    if (r.issues.length === 0) all.push(...r.resources);
  }
  issues.push(...duplicateIssues(all));
  if (issues.length) throw new CalicoInputError(issues);
  return all;
}

export function resourceKey(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind}|${r.namespace ?? ''}|${r.name}`;
}

export function duplicateIssues(resources: LoadedResource[]): LocatedIssue[] {
  const first = new Map<string, LoadedResource>();
  const issues: LocatedIssue[] = [];
  for (const r of resources) {
    const k = resourceKey(r);
    const prev = first.get(k);
    if (prev) {
      const where = prev.source ? `${prev.source.file}:${prev.source.line}:${prev.source.col}` : 'earlier';
      issues.push({
        file: r.source?.file ?? '<input>',
        line: r.source?.line ?? 1,
        col: r.source?.col ?? 1,
        resource: describeResource(r.kind, r.namespace, r.name),
        field: 'metadata.name',
        message: `duplicate resource: already defined at ${where}`,
      });
    } else first.set(k, r);
  }
  return issues;
}
