// User-facing errors: every problem is one line `file:line:col: <Kind> <ns/name>: <field.path>: <expected>`.

export type FieldPath = (string | number)[];

/** One validation problem found in a resource. */
export interface Issue {
  path: FieldPath;
  message: string;
  /** Point at the map key rather than its value (unknown fields). */
  atKey?: boolean;
}

/** A fully located problem, ready to print. */
export interface LocatedIssue {
  file: string;
  line: number;
  col: number;
  /** "<Kind> <ns/name>" or "" when the document has no identity yet. */
  resource: string;
  /** "spec.ingress[0].action" or "" for whole-document problems. */
  field: string;
  message: string;
}

export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

export function formatIssue(i: LocatedIssue): string {
  const parts = [`${i.file}:${i.line}:${i.col}`];
  if (i.resource) parts.push(i.resource);
  if (i.field) parts.push(i.field);
  parts.push(i.message);
  return parts.join(': ');
}

/** Error thrown for bad user input; the CLI prints its message without a stack. */
export class CalicoInputError extends Error {
  readonly userError = true;
  readonly issues: LocatedIssue[];
  exitCode?: number;
  constructor(issues: LocatedIssue[], message?: string) {
    super(message ?? issues.map(formatIssue).join('\n'));
    this.name = 'CalicoInputError';
    this.issues = issues;
  }
}

export function userError(message: string): Error & { userError: true } {
  const e = new Error(message) as Error & { userError: true };
  e.userError = true;
  return e;
}
