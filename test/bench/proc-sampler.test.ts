/** The server-side CPU and RSS sampler, on a spawned child that burns CPU and then holds ~64 MB. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, perThousand, pidsByComm, rssMb, startSampler } from '../../bench/proc-sampler.js';

it('measures a busy child\'s CPU and its peak RSS, and reports nulls once it is gone', async () => {
  // Busy for 600 ms, then allocates and touches 64 MB, says so, and waits to be killed.
  const script = 'const e=Date.now()+600;while(Date.now()<e);globalThis.b=Buffer.alloc(64*1024*1024,1);console.log("held");setInterval(()=>{},1000)';
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = child.pid!;
    const sampler = startSampler([pid], 20);
    await once(child.stdout!, 'data');
    await sleep(100);
    const usage = sampler.stop();
    assert.ok(usage.cpuMs !== null && usage.cpuMs >= 300, `cpu ${usage.cpuMs} ms`);
    assert.ok(usage.peakRssMb !== null && usage.peakRssMb >= 64, `peak ${usage.peakRssMb} MB`);
    assert.equal(perThousand(500, 2000), 250);
    assert.equal(perThousand(null, 10), null);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  assert.equal(cpuMs(child.pid!), null);
  assert.equal(rssMb(child.pid!), null);
  assert.deepEqual(startSampler([]).stop(), { cpuMs: null, peakRssMb: null });
  assert.ok(pidsByComm('node').includes(process.pid));
});
