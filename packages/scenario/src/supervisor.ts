import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Owns every child process and temp directory of a run, and guarantees teardown: on normal
 * completion, on an exception, on Ctrl-C/SIGTERM, and (best effort, synchronously) on process exit.
 * Children are started in their own process group so a wrapper command (`sh -c …`) dies with its
 * children.
 */

const live = new Set<Supervisor>();
let signalHandlersInstalled = false;

function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (stopping) {
      // A second Ctrl-C: no more waiting, kill everything now.
      for (const s of live) s.killNow();
      process.exit(code);
    }
    stopping = true;
    process.stderr.write(`\nalpsim: ${signal}: stopping every child process and removing sockets…\n`);
    void Promise.all([...live].map((s) => s.shutdown())).finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.once('exit', () => {
    for (const s of live) s.killNow();
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Last lines of stderr/stdout, for error messages. */
  output(): string;
  exited(): boolean;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exit: Promise<number | string>;
  /** Send a signal to the whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Split a user-supplied command line (`--dikastes "path/to/dikastes --flag"`) into argv, honouring quotes. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  let has = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || current) out.push(current);
      current = '';
      has = false;
    } else {
      current += ch;
    }
  }
  if (has || current) out.push(current);
  return out;
}

export class Supervisor {
  readonly dir: string;
  private readonly processes = new Set<ManagedProcess>();
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private closed = false;

  constructor(prefix = 'alpsim-run-') {
    // Short base: Unix socket paths must stay under ~100 bytes.
    const base = fs.existsSync('/tmp') ? '/tmp' : os.tmpdir();
    this.dir = fs.mkdtempSync(path.join(base, prefix));
    live.add(this);
    installSignalHandlers();
  }

  /** A path inside the run's temp dir (created parent folders included). */
  path(...parts: string[]): string {
    const full = path.join(this.dir, ...parts);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    return full;
  }

  /** Register something to close at teardown (servers, sockets), run in reverse order. */
  onShutdown(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  spawn(name: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ManagedProcess {
    if (this.closed) throw new Error('supervisor already shut down');
    const [command, ...args] = argv;
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const lines: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
      if (lines.length > 40) lines.splice(0, lines.length - 40);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let done = false;
    const exit = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        done = true;
        lines.push(`cannot start ${command}: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
        resolve('error');
      });
      child.once('exit', (code, signal) => {
        done = true;
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const managed: ManagedProcess = {
      name,
      child,
      pid: child.pid ?? -1,
      output: () => lines.slice(-12).join('\n'),
      exited: () => done,
      exit,
      signal: (signal) => {
        if (done || !child.pid) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          /* already gone */
        }
      },
      stop: async (graceMs = 2000) => {
        if (done) return;
        managed.signal('SIGCONT'); // a stopped process cannot handle SIGTERM
        managed.signal('SIGTERM');
        const timer = setTimeout(() => managed.signal('SIGKILL'), graceMs);
        await exit;
        clearTimeout(timer);
      },
    };
    this.processes.add(managed);
    void exit.then(() => this.processes.delete(managed));
    return managed;
  }

  /** Stop everything and remove the temp dir; safe to call more than once. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.processes].map((p) => p.stop()));
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        /* keep tearing down */
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Synchronous last resort from an `exit` handler. */
  killNow(): void {
    for (const p of this.processes) p.signal('SIGKILL');
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
