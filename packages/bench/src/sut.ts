import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ToDataplane } from '@alpsim/proto';
import { PolicySyncFeeder } from './feeder';
import { type ProcessSample, sampleProcessTree } from './process-stats';

export type ClinicTool = 'doctor' | 'flame' | 'bubbleprof' | 'heapprofiler';
export const CLINIC_TOOLS: readonly ClinicTool[] = ['doctor', 'flame', 'bubbleprof', 'heapprofiler'];

export interface GcPause {
  /** epoch ms */
  start: number;
  durationMs: number;
  kind: string;
}

export interface GcSummary {
  count: number;
  totalMs: number;
  maxMs: number;
  byKind: Record<string, number>;
}

/** Path of the repository's own `dikastes` bin shim (our engine, the default system under test). */
export function ourDikastesBin(): string {
  const pkg = require.resolve('@alpsim/dikastes/package.json');
  return path.join(path.dirname(pkg), 'bin', 'dikastes.js');
}

export const GC_OBSERVER_PATH = path.join(__dirname, 'gc-observer.js');

export interface ManagedProcessOptions {
  /** argv[0] and arguments, run without a shell. */
  argv: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Where the child's stdout/stderr go (a log file), so a chatty server cannot block on a full pipe. */
  logFile: string;
  /** Observe GC pauses of a Node child through a preloaded observer writing this file. */
  gcFile?: string;
  /**
   * Run in its own process group and signal the whole group on stop, as Ctrl+C in a terminal
   * does (clinic only writes its report when its child gets the SIGINT too).
   */
  processGroup?: boolean;
}

/**
 * A child process under measurement: its CPU time and RSS come from /proc (whole process tree),
 * GC pauses from the preloaded observer (Node children only; other binaries report none).
 */
export class ManagedProcess {
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess, readonly options: ManagedProcessOptions) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo ??= { code, signal };
        resolve();
      });
      // e.g. ENOENT for a --dikastes command that does not exist
      child.once('error', (error) => {
        this.spawnError = error.message;
        this.exitInfo ??= { code: null, signal: null };
        resolve();
      });
    });
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    const log = fs.openSync(options.logFile, 'a');
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    if (options.gcFile) {
      env.ALPSIM_BENCH_GC_FILE = options.gcFile;
      env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${GC_OBSERVER_PATH}`.trim();
    }
    const child = spawn(options.argv[0], options.argv.slice(1), { cwd: options.cwd, env, stdio: ['ignore', log, log], detached: options.processGroup === true });
    fs.closeSync(log);
    return new ManagedProcess(child, options);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  describeExit(): string {
    if (!this.exitInfo) return 'still running';
    if (this.spawnError) return `could not be started (${this.spawnError})`;
    return this.exitInfo.signal ? `killed by ${this.exitInfo.signal}` : `exited with status ${this.exitInfo.code}`;
  }

  sample(): ProcessSample {
    return sampleProcessTree(this.pid);
  }

  /** Last lines of the child's log, for error messages. */
  logTail(lines = 15): string {
    try {
      return fs.readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  gcPauses(): GcPause[] {
    if (!this.options.gcFile) return [];
    try {
      const data = JSON.parse(fs.readFileSync(this.options.gcFile, 'utf8')) as { pauses: [number, number, string][] };
      return data.pauses.map(([start, durationMs, kind]) => ({ start, durationMs, kind }));
    } catch {
      return [];
    }
  }

  /** Stop with `signal`, escalating to SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (this.hasExited) return;
    const send = (sig: NodeJS.Signals) => {
      try {
        if (this.options.processGroup) process.kill(-this.pid, sig);
        else this.child.kill(sig);
      } catch {
        // already gone
      }
    };
    send(signal);
    const timer = setTimeout(() => send('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  waitForExit(): Promise<void> {
    return this.exited;
  }
}

export function summarizeGc(pauses: GcPause[], fromEpochMs: number, toEpochMs: number): GcSummary {
  return summarizeGcWindows(pauses, [[fromEpochMs, toEpochMs]]);
}

/** GC pauses that started inside any of the (non-overlapping) measured windows. */
export function summarizeGcWindows(pauses: GcPause[], windows: [number, number][]): GcSummary {
  const inWindow = pauses.filter((p) => windows.some(([from, to]) => p.start >= from && p.start <= to));
  const byKind: Record<string, number> = {};
  for (const p of inWindow) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
  return {
    count: inWindow.length,
    totalMs: inWindow.reduce((s, p) => s + p.durationMs, 0),
    maxMs: inWindow.reduce((m, p) => Math.max(m, p.durationMs), 0),
    byKind,
  };
}

/**
 * The argv of the system under test. `command` is our dikastes by default, or a user command line
 * (`--dikastes "<cmd>"`, split on whitespace; `{listen}` / `{dial}` placeholders are substituted,
 * otherwise `server -l <listen> -d <dial>` is appended as the real binary expects). Socket paths
 * are relative to the run directory because the real binary sends its -d path as the HTTP/2
 * :authority, which Node's HTTP/2 server rejects when it is an absolute path.
 */
export function sutArgv(command: string | undefined, listen: string, dial: string, clinic?: { tool: ClinicTool; dest: string }): string[] {
  let argv: string[];
  if (!command) {
    argv = [process.execPath, ourDikastesBin(), 'server', '-l', listen, '-d', dial];
  } else {
    // The SUT runs in the run directory: make words naming files relative to the user's cwd absolute.
    const words = command
      .trim()
      .split(/\s+/)
      .map((w) => (!w.startsWith('-') && !path.isAbsolute(w) && w.includes('/') && fs.existsSync(w) ? path.resolve(w) : w));
    if (words.some((w) => w.includes('{listen}') || w.includes('{dial}'))) {
      argv = words.map((w) => w.replaceAll('{listen}', listen).replaceAll('{dial}', dial));
    } else {
      argv = [...words, 'server', '-l', listen, '-d', dial];
    }
  }
  if (clinic) {
    if (path.basename(argv[0]) !== 'node' && argv[0] !== process.execPath) {
      // clinic profiles Node programs: run a JS entry under node.
      argv = [process.execPath, ...argv];
    }
    argv = [clinicBin(), clinic.tool, '--open=false', '--dest', clinic.dest, '--', 'node', ...argv.slice(1)];
  }
  return argv;
}

export function clinicBin(): string {
  const candidates = [
    path.resolve(__dirname, '..', '..', '..', '..', 'node_modules', '.bin', 'clinic'),
    path.resolve(process.cwd(), 'node_modules', '.bin', 'clinic'),
  ];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw Object.assign(new Error('clinic not found in node_modules/.bin (npm install at the repository root)'), { userError: true });
  return found;
}

/**
 * Run `index`'s Felix feeder and the system under test dialling it, both in `runDir` with relative
 * socket names (Unix socket paths must stay short). `listenSocket` is the SUT's absolute socket path.
 */
export async function startFeederAndSut(
  runDir: string,
  index: number,
  messages: ToDataplane[],
  options: { dikastesCommand?: string; observeGc?: boolean; compat?: string },
): Promise<{ feeder: PolicySyncFeeder; sut: ManagedProcess; listenSocket: string }> {
  const feederSocket = `felix-${index}.sock`;
  const listenSocket = `dk-${index}.sock`;
  const feeder = await PolicySyncFeeder.start(path.join(runDir, feederSocket), messages);
  const argv = sutArgv(options.dikastesCommand, listenSocket, feederSocket);
  // The profile's compat era, as the direct path passes it (our dikastes only; 3.28 is its default).
  if (!options.dikastesCommand && options.compat !== undefined && options.compat !== '3.28') argv.push('--compat', options.compat);
  const sut = ManagedProcess.start({
    argv,
    cwd: runDir,
    logFile: path.join(runDir, `sut-${index}.log`),
    gcFile: options.observeGc ? path.join(runDir, `sut-${index}-gc.json`) : undefined,
  });
  return { feeder, sut, listenSocket: path.join(runDir, listenSocket) };
}
