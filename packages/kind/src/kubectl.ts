// kubectl as a child process (the real client, against whatever cluster the context names).
import { execFile } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Kubectl {
  constructor(
    private readonly context: string | undefined,
    private readonly binary = process.env.KUBECTL ?? 'kubectl',
  ) {}

  run(args: string[], opts: { timeoutMs?: number } = {}): Promise<KubectlResult> {
    const full = this.context ? ['--context', this.context, ...args] : args;
    return new Promise((resolve, reject) => {
      execFile(this.binary, full, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 10 * 60_000 }, (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (err && err.code === 'ENOENT') {
          reject(Object.assign(new Error(`${this.binary} not found on PATH (alpsim kind run needs kubectl and a cluster from scripts/kind/up)`), { userError: true }));
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  /** Run and fail with kubectl's own message when it exits non-zero. */
  async must(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }
}
