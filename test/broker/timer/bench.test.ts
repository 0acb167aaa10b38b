import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timerBench } from '../../../src/broker/timer/bench.js';

test('timerBench runs on a real store and reports sane lateness', async () => {
  const r = await timerBench({ count: 300, delayMs: 200 });
  assert.equal(r.count, 300);
  assert.equal(r.early, 0, 'nothing delivered before its time');
  assert.ok(r.p50LatenessMs >= 0 && r.p50LatenessMs <= r.p99LatenessMs && r.p99LatenessMs <= r.maxLatenessMs);
  assert.ok(r.maxLatenessMs < 2000, `max lateness ${r.maxLatenessMs} ms`);
  assert.ok(r.scheduleRate > 0);
});
