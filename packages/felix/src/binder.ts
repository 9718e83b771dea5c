// The pod2daemon binder layout Felix uses when PolicySyncPathPrefix is set (spec §2.2): the flexvolume
// driver writes `<prefix>/creds/<uid>.json`; Felix polls that folder every 100 ms and serves the pod on
// `<prefix>/mount/<uid>/socket` until the creds file is removed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkloadListener } from './server';

/** The creds JSON the nodeagent/uds flexvolume writes. */
export interface WorkloadCredentials {
  UID: string;
  Workload: string;
  Namespace: string;
  ServiceAccount: string;
}

export interface BinderOptions {
  /** Poll period of the creds folder (Felix: 100 ms). */
  pollIntervalMs?: number;
}

export interface BoundWorkload {
  uid: string;
  workloadKey: string;
  socketPath: string;
  credentials: WorkloadCredentials;
}

interface ListenerHost {
  listenWorkload(workloadKey: string, socketPath: string): Promise<WorkloadListener>;
}

interface Entry {
  bound: BoundWorkload;
  listener: WorkloadListener;
  mtimeMs: number;
}

/** Parse and check a creds file; throws a message naming what is wrong. */
export function parseCredentials(text: string, file: string): WorkloadCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const creds = value as Record<string, unknown>;
  for (const key of ['UID', 'Workload', 'Namespace'] as const) {
    if (typeof creds?.[key] !== 'string' || creds[key] === '') throw new Error(`${file}: ${key}: expected a non-empty string`);
  }
  return {
    UID: creds.UID as string,
    Workload: creds.Workload as string,
    Namespace: creds.Namespace as string,
    ServiceAccount: typeof creds.ServiceAccount === 'string' ? creds.ServiceAccount : '',
  };
}

export class Binder {
  readonly credsDir: string;
  readonly mountDir: string;
  private readonly entries = new Map<string, Entry>();
  /** Files that failed to parse, by name → mtime, so they are retried only when rewritten. */
  private readonly rejected = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly changeHandlers: (() => void)[] = [];

  constructor(
    private readonly host: ListenerHost,
    readonly prefix: string,
    private readonly options: BinderOptions,
    private readonly log: (line: string) => void,
  ) {
    this.credsDir = path.join(prefix, 'creds');
    this.mountDir = path.join(prefix, 'mount');
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll());
    }, this.options.pollIntervalMs ?? 100);
  }

  /** Workloads currently served. */
  workloads(): BoundWorkload[] {
    return [...this.entries.values()].map((e) => e.bound);
  }

  /** Called after each poll that changed the set of served workloads. */
  onChange(handler: () => void): void {
    this.changeHandlers.push(handler);
  }

  /** Run one poll now (tests and callers that just wrote a creds file). */
  rescan(): Promise<void> {
    this.polling = this.polling.then(() => this.poll());
    return this.polling;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await Promise.all([...this.entries.values()].map((e) => e.listener.close()));
    this.entries.clear();
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    let names: string[];
    try {
      names = fs.readdirSync(this.credsDir).filter((n) => n.endsWith('.json'));
    } catch {
      names = []; // Felix waits for the folder to appear
    }
    let changed = false;
    const present = new Set(names);
    for (const [name, entry] of [...this.entries]) {
      if (present.has(name)) continue;
      this.entries.delete(name);
      await entry.listener.close();
      this.log(`binder: creds ${name} removed; closed ${entry.bound.socketPath}`);
      changed = true;
    }
    for (const name of names) {
      if (this.entries.has(name) || this.closed) continue;
      const file = path.join(this.credsDir, name);
      let mtimeMs: number;
      let creds: WorkloadCredentials;
      try {
        mtimeMs = fs.statSync(file).mtimeMs;
        if (this.rejected.get(name) === mtimeMs) continue;
        creds = parseCredentials(fs.readFileSync(file, 'utf8'), file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.rejected.set(name, fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);
        this.log(`binder: ignoring ${(error as Error).message}`);
        continue;
      }
      this.rejected.delete(name);
      const socketPath = path.join(this.mountDir, creds.UID, 'socket');
      const workloadKey = `${creds.Namespace}/${creds.Workload}`;
      const listener = await this.host.listenWorkload(workloadKey, socketPath);
      this.entries.set(name, { bound: { uid: creds.UID, workloadKey, socketPath, credentials: creds }, listener, mtimeMs });
      this.log(`binder: serving ${workloadKey} (uid ${creds.UID}) on ${socketPath}`);
      changed = true;
    }
    if (changed) for (const handler of this.changeHandlers) handler();
  }
}
