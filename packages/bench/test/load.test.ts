import t from 'tap';
import { runLoad } from '../src/index';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('closed loop keeps `concurrency` requests in flight and stops at the count', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  const result = await runLoad(
    () => ({
      expectedCode: 0,
      send: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await sleep(2);
        inFlight--;
        return 0;
      },
    }),
    { mode: 'closed', concurrency: 5, requests: 100, warmupMs: 0 },
  );
  t.equal(result.completed, 100);
  t.equal(maxInFlight, 5);
  t.equal(result.errors + result.unexpected, 0);
  t.ok(result.latency.summary().p50 >= 1.5, 'latency includes the 2 ms service time');
});

t.test('wrong verdicts and errors are counted separately', async (t) => {
  let n = 0;
  const result = await runLoad(
    () => ({
      expectedCode: 0,
      send: async () => {
        n++;
        if (n % 10 === 0) throw new Error('boom');
        return n % 10 === 5 ? 7 : 0;
      },
    }),
    { mode: 'closed', concurrency: 1, requests: 50, warmupMs: 0 },
  );
  t.equal(result.errors, 5);
  t.equal(result.unexpected, 5);
  t.same(result.unexpectedCodes, { 7: 5 });
  t.equal(result.errorMessages[0], 'boom');
});

t.test('open loop sends at the target rate and charges a stall to every request scheduled behind it', async (t) => {
  let n = 0;
  const result = await runLoad(
    () => ({
      expectedCode: 0,
      send: async () => {
        n++;
        if (n === 20) {
          // A 150 ms stall of the whole process (as a GC pause would be).
          const until = Date.now() + 150;
          while (Date.now() < until);
        }
        await sleep(1);
        return 0;
      },
    }),
    { mode: 'open', rate: 200, concurrency: 1000, durationMs: 1000, warmupMs: 0 },
  );
  t.ok(result.completed >= 190 && result.completed <= 201, `~200 requests in 1 s at 200/s (${result.completed})`);
  const service = result.latency.summary();
  const corrected = result.correctedLatency!.summary();
  t.ok(corrected.max >= 140, `the stall shows in the corrected latency (max ${corrected.max.toFixed(1)} ms)`);
  t.ok(corrected.p99 > service.p99, `corrected p99 ${corrected.p99.toFixed(1)} > service p99 ${service.p99.toFixed(1)}`);
});
