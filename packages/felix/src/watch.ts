// Re-applies edited resource files to a running FelixFromResources (alpsim felix --watch).
import * as fs from 'node:fs';
import { expandInputs, parseResourcesText, CalicoInputError } from '@alpsim/calico';
import type { FelixFromResources } from './runtime';

export interface WatchEvent {
  file: string;
  outcome: 'applied' | 'removed' | 'rejected';
  /** Resource count from the file (applied) or the error text naming file:line (rejected). */
  detail: string;
}

interface Seen {
  mtimeMs: number;
  size: number;
}

/**
 * Polls the inputs (files, directories, globs — re-expanded each time, so new files are picked up)
 * and applies each changed file as one atomic batch. A file that fails validation is rejected whole
 * and the last good state keeps serving; it is retried when it changes again.
 */
export class ResourceWatcher {
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly felix: FelixFromResources,
    private readonly inputs: string[],
    private readonly onEvent: (event: WatchEvent) => void,
    private readonly intervalMs = 200,
  ) {}

  /** Record the current files as the baseline (they were loaded at startup), then start polling. */
  async start(): Promise<void> {
    for (const file of await this.files()) {
      const stat = statOf(file);
      if (stat) this.seen.set(file, stat);
    }
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.poll()).catch(() => undefined);
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One poll now. */
  poll(): Promise<void> {
    return this.scan();
  }

  private async files(): Promise<string[]> {
    try {
      return (await expandInputs(this.inputs.filter((i) => i !== '-'))).filter((f) => f !== '-');
    } catch {
      return [...this.seen.keys()]; // e.g. a directory briefly missing: keep watching what we know
    }
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    const files = await this.files();
    const present = new Set<string>();
    for (const file of files) {
      const stat = statOf(file);
      if (!stat) continue;
      present.add(file);
      const before = this.seen.get(file);
      if (before && before.mtimeMs === stat.mtimeMs && before.size === stat.size) continue;
      this.seen.set(file, stat);
      this.reload(file);
    }
    for (const file of [...this.seen.keys()]) {
      if (present.has(file)) continue;
      this.seen.delete(file);
      this.apply(file, 'removed', () => {
        this.felix.replaceFile(file, []);
        return 'file removed; its resources were deleted';
      });
    }
  }

  private reload(file: string): void {
    this.apply(file, 'applied', () => {
      const text = fs.readFileSync(file, 'utf8');
      const { resources, issues } = parseResourcesText(text, file, { compat: this.felix.compat });
      if (issues.length) throw new CalicoInputError(issues);
      this.felix.replaceFile(file, resources);
      return `${resources.length} resource${resources.length === 1 ? '' : 's'}`;
    });
  }

  private apply(file: string, outcome: 'applied' | 'removed', change: () => string): void {
    try {
      this.onEvent({ file, outcome, detail: change() });
    } catch (error) {
      // Bad input (userError), an unreadable file (errno) — or a bug, which must not stop serving either.
      const expected = (error as { userError?: boolean }).userError || (error as NodeJS.ErrnoException).code;
      const detail = expected ? (error as Error).message : `internal error: ${(error as Error)?.stack ?? String(error)}`;
      this.onEvent({ file, outcome: 'rejected', detail });
    }
  }
}

function statOf(file: string): Seen | undefined {
  try {
    const s = fs.statSync(file);
    return s.isFile() ? { mtimeMs: s.mtimeMs, size: s.size } : undefined;
  } catch {
    return undefined;
  }
}
