import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuthzClient, SYNC_PROBE } from '../authz';
import { HarnessError } from '../errors';
import type { Compat } from '../model';
import { splitCommand, waitFor, type ManagedProcess, type Supervisor } from '../supervisor';
import type { AuthzApiVersion } from '@alpsim/proto';

/** Path of our `dikastes` bin shim (packages/dikastes/bin/dikastes.js). */
export function ownDikastesBin(): string {
  return path.join(path.dirname(require.resolve('@alpsim/dikastes/package.json')), 'bin', 'dikastes.js');
}

export interface DikastesSpec {
  workloadKey: string;
  /** Absolute path of the socket Dikastes listens on. */
  listenSocket: string;
  /** Absolute path of this workload's Felix socket (`.../nodeagent/socket`). */
  felixSocket: string;
  compat: Compat;
  apiVersion: AuthzApiVersion;
  /** A user command (`--dikastes "…"`) that speaks the real CLI; undefined = ours. */
  command?: string;
}

/**
 * One Dikastes in its own child process, as in a pod. It is started from the Felix socket's folder
 * with the bare `-d socket` name: Calico's Go binary sends its `-d` text as the HTTP/2 authority, which
 * must not be an absolute path (spec-dikastes §10).
 */
export class DikastesProcess {
  private proc: ManagedProcess | undefined;
  client: AuthzClient | undefined;
  /** 'running' | 'stopped' (fault) | 'paused' (SIGSTOP fault) */
  status: 'running' | 'stopped' | 'paused' = 'stopped';

  constructor(
    private readonly supervisor: Supervisor,
    readonly spec: DikastesSpec,
  ) {}

  private argv(): string[] {
    const args = ['server', '-l', this.spec.listenSocket, '-d', path.basename(this.spec.felixSocket)];
    if (this.spec.command) return [...splitCommand(this.spec.command), ...args];
    return [process.execPath, ownDikastesBin(), ...args, '--compat', this.spec.compat];
  }

  async start(timeoutMs = 15000): Promise<void> {
    const argv = this.argv();
    const proc = this.supervisor.spawn(`dikastes ${this.spec.workloadKey}`, argv, { cwd: path.dirname(this.spec.felixSocket) });
    this.proc = proc;
    this.client?.close();
    this.client = new AuthzClient(this.spec.listenSocket, this.spec.apiVersion);
    const client = this.client;
    try {
      await waitFor(
        `Dikastes of ${this.spec.workloadKey} to listen on ${this.spec.listenSocket} and sync with Felix`,
        async () => {
          if (proc.exited()) throw new Error('exited');
          if (!fs.existsSync(this.spec.listenSocket)) return false;
          const outcome = await client.check(SYNC_PROBE, 500);
          return outcome.kind === 'reply' && outcome.code !== 14;
        },
        timeoutMs,
        25,
      );
    } catch (error) {
      const exited = proc.exited();
      await proc.stop(500);
      const output = proc.output();
      throw new HarnessError(
        `Dikastes for ${this.spec.workloadKey} (${argv.join(' ')}) ${exited ? 'exited' : (error as Error).message}` +
          (output ? `\n--- its output ---\n${output}` : ''),
      );
    }
    this.status = 'running';
  }

  /** A probe round trip: the process has read everything sent before (used after policy updates). */
  async probe(): Promise<boolean> {
    if (this.status !== 'running' || !this.client) return true;
    const outcome = await this.client.check(SYNC_PROBE, 1000);
    return outcome.kind === 'reply' && outcome.code !== 14;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.status = 'stopped';
  }

  pause(): void {
    this.proc?.signal('SIGSTOP');
    this.status = 'paused';
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.proc?.signal('SIGCONT');
    this.status = 'running';
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
