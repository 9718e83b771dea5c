/** Where something came from in a user's file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** A mistake in the user's input: printed without a stack, exit code 2. */
export class ScenarioError extends Error {
  readonly userError = true;
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'ScenarioError';
    this.exitCode = exitCode;
  }
}

/** One problem in a scenario file: `file:line:col: <field.path>: <expected>`. */
export interface Problem {
  pos: SourcePos;
  path: string;
  message: string;
}

export function formatProblem(problem: Problem): string {
  return `${formatPos(problem.pos)}: ${problem.path || '(document)'}: ${problem.message}`;
}

/** Collects every problem so the user sees all of them at once, then fails as a whole. */
export class ProblemList {
  readonly problems: Problem[] = [];
  add(pos: SourcePos, path: string, message: string): void {
    this.problems.push({ pos, path, message });
  }
  get empty(): boolean {
    return this.problems.length === 0;
  }
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const sorted = [...this.problems].sort(
      (a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col,
    );
    const lines = sorted.map(formatProblem);
    throw new ScenarioError(lines.length === 1 ? lines[0] : `invalid scenario:\n  ${lines.join('\n  ')}`);
  }
}

/** An error caused by the harness itself (a process that would not start, a socket that never appeared). */
export class HarnessError extends Error {
  readonly userError = true;
  readonly exitCode = 2;
  constructor(message: string) {
    super(`harness failure: ${message}`);
    this.name = 'HarnessError';
  }
}
