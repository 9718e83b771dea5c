/**
 * Child-process entry of the churn measurement: the Felix policy-sync feeder and the propagation
 * probe, in a process of their own so the load generator's allocations and GC pauses (hundreds per
 * run) do not land on the event loop that times propagation. Driven over the fork IPC channel:
 * parent → {type:'start', job}; child → {type:'feeding'}; parent → {type:'churn', stopAfterMs};
 * child → {type:'result', churn}; parent → {type:'close'}; any failure → {type:'error', message}.
 */
import { CheckClient } from './check-client';
import { runChurn } from './churn';
import { PolicySyncFeeder } from './feeder';
import type { AuthzApiVersion } from '@alpsim/proto';
import type { ChurnOptions } from './profile';
import type { StoreShape } from './shape';
import { generateStore } from './store-generator';

export interface ChurnJob {
  /** The store is regenerated here from (shape, seed): the generator is deterministic, byte for byte. */
  shape: StoreShape;
  seed: number;
  feederSocket: string;
  sutSocket: string;
  apiVersion: AuthzApiVersion;
  churn: ChurnOptions;
}

export type ChurnParentMessage = { type: 'start'; job: ChurnJob } | { type: 'churn'; stopAfterMs: number } | { type: 'close' };
export type ChurnChildMessage =
  | { type: 'feeding'; messages: number }
  | { type: 'result'; churn: Awaited<ReturnType<typeof runChurn>> }
  | { type: 'error'; message: string };

let feeder: PolicySyncFeeder | undefined;
let probe: CheckClient | undefined;
let store: ReturnType<typeof generateStore> | undefined;
let job: ChurnJob | undefined;

function send(message: ChurnChildMessage): void {
  process.send?.(message);
}

async function handle(message: ChurnParentMessage): Promise<void> {
  if (message.type === 'start') {
    job = message.job;
    store = generateStore(job.shape, job.seed);
    feeder = await PolicySyncFeeder.start(job.feederSocket, store.messages);
    send({ type: 'feeding', messages: store.messages.length });
  } else if (message.type === 'churn') {
    if (!job || !store || !feeder) throw new Error('churn before start');
    probe ??= new CheckClient(job.sutSocket, job.apiVersion);
    send({ type: 'result', churn: await runChurn(store, feeder, probe, job.churn, message.stopAfterMs) });
  } else {
    probe?.close();
    await feeder?.close();
    process.exit(0);
  }
}

process.on('message', (message: ChurnParentMessage) => {
  handle(message).catch((error: Error) => send({ type: 'error', message: error.stack ?? String(error) }));
});
// The parent went away: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
