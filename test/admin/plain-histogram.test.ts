import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { PlainHistogram } from '../../src/admin/plain-histogram.js';

describe('PlainHistogram', () => {
  it('renders cumulative le buckets, sum and count per label value, as prom-client does', async () => {
    const registry = new Registry();
    const h = new PlainHistogram('x_seconds', 'test', 'rpc', [0.5, 0.1, 1], [registry]);
    const a = h.labels('A');
    for (const v of [0.05, 0.1, 0.2, 1, 3, Number.NaN]) a.observe(v);
    h.labels('B').observe(0.7);
    const text = await registry.metrics();
    assert.match(text, /^# TYPE x_seconds histogram$/m);
    const line = (s: string): number => {
      const m = new RegExp(`^${s.replace(/[{}.+]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
      assert.ok(m, `${s} in\n${text}`);
      return Number(m[1]);
    };
    assert.equal(line('x_seconds_bucket{le="0.1",rpc="A"}'), 2, 'a value equal to a bound counts in that bucket');
    assert.equal(line('x_seconds_bucket{le="0.5",rpc="A"}'), 3);
    assert.equal(line('x_seconds_bucket{le="1",rpc="A"}'), 4);
    assert.equal(line('x_seconds_bucket{le="+Inf",rpc="A"}'), 5, 'NaN is not observed');
    assert.equal(line('x_seconds_count{rpc="A"}'), 5);
    assert.ok(Math.abs(line('x_seconds_sum{rpc="A"}') - 4.35) < 1e-9);
    assert.equal(line('x_seconds_bucket{le="0.5",rpc="B"}'), 0);
    assert.equal(line('x_seconds_bucket{le="1",rpc="B"}'), 1);
    h.reset();
    assert.equal((await h.get()).values.find((v) => v.metricName === 'x_seconds_count' && v.labels.rpc === 'A')?.value, 0);
  });
});
