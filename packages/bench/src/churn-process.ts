import { type ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChurnChildMessage, ChurnJob, ChurnParentMessage } from './churn-main';
import { runFailure } from './errors';
import type { ChurnResult } from './results';

const START_TIMEOUT_MS = 60_000;

/**
 * Parent-side handle of the churn child (churn-main): it owns the feeder the SUT dials and the
 * propagation probe, so propagation is timed on an event loop that does not also generate load.
 */
export class ChurnProcess {
  private readonly exited: Promise<void>;
  private exitDescription: string | undefined;
  private waiter: ((message: ChurnChildMessage) => void) | undefined;
  private failure: ((error: Error) => void) | undefined;

  private constructor(private readonly child: ChildProcess, private readonly logFile: string) {
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitDescription = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        this.failure?.(runFailure(`churn process ${this.exitDescription}${this.tail()}`));
        resolve();
      }),
    );
    child.on('message', (message: ChurnChildMessage) => {
      if (message.type === 'error') this.failure?.(runFailure(`churn process failed: ${message.message}`));
      else this.waiter?.(message);
    });
  }

  /** Fork the child and wait until its feeder is listening on `job.feederSocket`. */
  static async start(job: ChurnJob, cwd: string, logFile: string): Promise<ChurnProcess> {
    const log = fs.openSync(logFile, 'a');
    const child = fork(path.join(__dirname, 'churn-main.js'), [], { cwd, stdio: ['ignore', log, log, 'ipc'] });
    fs.closeSync(log);
    const handle = new ChurnProcess(child, logFile);
    try {
      await handle.request({ type: 'start', job }, 'feeding', START_TIMEOUT_MS);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle;
  }

  /** Run the churn for `stopAfterMs` (plus up to 1 s for the last update to show). */
  async run(stopAfterMs: number): Promise<Omit<ChurnResult, 'failedChecks'>> {
    const reply = await this.request({ type: 'churn', stopAfterMs }, 'result', stopAfterMs + 30_000);
    if (reply.type !== 'result') throw runFailure(`churn process answered '${reply.type}'`);
    return reply.churn;
  }

  async close(): Promise<void> {
    if (this.exitDescription === undefined) {
      this.failure = undefined;
      this.child.send({ type: 'close' } satisfies ChurnParentMessage, () => {});
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private request(message: ChurnParentMessage, expect: ChurnChildMessage['type'], timeoutMs: number): Promise<ChurnChildMessage> {
    if (this.exitDescription !== undefined) return Promise.reject(runFailure(`churn process ${this.exitDescription}${this.tail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(runFailure(`churn process: no '${expect}' within ${timeoutMs} ms${this.tail()}`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        this.failure = undefined;
      };
      this.waiter = (reply) => {
        if (reply.type !== expect) return;
        done();
        resolve(reply);
      };
      this.failure = (error) => {
        done();
        reject(error);
      };
      this.child.send(message);
    });
  }

  private tail(): string {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8').trimEnd();
      return text ? `; its last output:\n${text.split('\n').slice(-15).join('\n')}` : '';
    } catch {
      return '';
    }
  }
}
