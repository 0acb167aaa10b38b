/** Crash safety with a real process killed by SIGKILL (no close, no checkpoint, no flush beyond the store's). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rig, waitFor, waitForAsync } from './harness.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

class Child {
  readonly lines: string[] = [];
  private readonly proc: ChildProcess;
  private exited = false;
  private stderr = '';

  constructor(args: string[]) {
    this.proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => this.lines.push(l));
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.proc.on('exit', () => (this.exited = true));
  }

  async line(prefix: string, timeoutMs = 10_000): Promise<string> {
    await waitFor(() => this.exited || this.lines.some((l) => l.startsWith(prefix)), timeoutMs, `child line '${prefix}'`);
    const l = this.lines.find((x) => x.startsWith(prefix));
    if (l === undefined) throw new Error(`child exited before '${prefix}': ${this.stderr}`);
    return l.slice(prefix.length).trim();
  }

  async kill9(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}

test('kill -9 before the timers are due: each is delivered once after restart; a recall before the crash holds', async () => {
  const rig = await Rig.create();
  const plan = [
    { body: 'x', delayMs: 1200 },
    { body: 'z', delayMs: 1400 },
    { body: 'y', delayMs: 1600 },
    { body: 'now', delayMs: -10 },
  ];
  const child = new Child([rig.dir, 'schedule', JSON.stringify(plan), JSON.stringify(['z'])]);
  try {
    const ready = JSON.parse(await child.line('ready ')) as Array<{ body: string; deliverAt: number }>;
    await child.line('delivered now');
    await child.kill9();
    const firstDue = Math.min(...ready.filter((r) => r.body !== 'now').map((r) => r.deliverAt));
    assert.ok(Date.now() < firstDue, 'killed before the timers were due');

    const reopenedAt = Date.now();
    const svc = await rig.open();
    // x and y rebuilt, z recalled; `now` was delivered but its op record may not have made it before the kill,
    // in which case it is pending again and must be settled by the real-copy look-up, not delivered again.
    const p = svc.pendingCount();
    assert.ok(p === 2 || p === 3, `pending after restart: ${p}`);
    await waitFor(() => rig.deliveries.length === 2, 4000, 'x and y');
    assert.deepEqual(rig.deliveries.map((d) => d.body), ['x', 'y']);
    for (const d of rig.deliveries) {
      assert.ok(d.at >= d.deliverAt, `${d.body} early`);
      // Correctness, not speed: lateness is measured by `npm run bench -- consumption` (target: within 100 ms at
      // normal load). Here the bound only catches a timer that waits for something else; it counts from the
      // reopen when that came after the due time, and leaves room for a test machine running other suites.
      const late = d.at - Math.max(d.deliverAt, reopenedAt);
      assert.ok(late <= 500, `${d.body} ${late} ms late`);
    }
    await waitFor(() => svc.pendingCount() === 0, 2000, 'nothing pending');
    assert.equal(svc.stats().deduplicated, p - 2);
    assert.deepEqual((await rig.realMessages('K')).map((m) => m.body.toString()), ['now', 'x', 'y']);
  } finally {
    await child.kill9();
    await rig.destroy();
  }
});

test('kill -9 after the real copy was written but before the timer was marked delivered: not delivered twice', async () => {
  const rig = await Rig.create();
  const child = new Child([rig.dir, 'hang']);
  try {
    await child.line('copied');
    await child.kill9();
    const svc = await rig.open();
    await waitFor(() => svc.pendingCount() === 0, 3000, 'the timer to be settled');
    assert.equal(rig.deliveries.length, 0, 'deliver was not called again');
    assert.equal(svc.stats().deduplicated, 1);
    assert.deepEqual((await rig.realMessages('K')).map((m) => m.body.toString()), ['once']);
    await rig.close();
    const again = await rig.open();
    assert.equal(again.pendingCount(), 0, 'settled durably');
  } finally {
    await child.kill9();
    await rig.destroy();
  }
});

test('kill -9 in the middle of a delivery burst: afterwards every message is on its topic exactly once', async () => {
  const rig = await Rig.create();
  const count = 300;
  const child = new Child([rig.dir, 'burst', String(count), '400']);
  try {
    await child.line('ready');
    const ckPath = join(rig.dir, 'config', 'timerCheckpoint.json');
    const snapshotOnDisk = async (): Promise<boolean> => {
      try {
        return typeof (JSON.parse(await readFile(ckPath, 'utf8')) as { snapshot?: unknown }).snapshot === 'string';
      } catch {
        return false; // not written yet
      }
    };
    await waitForAsync(
      async () => child.lines.filter((l) => l.startsWith('delivered')).length >= 20 && (await snapshotOnDisk()),
      5000,
      'a snapshot checkpoint and some deliveries',
    );
    await child.kill9();
    const deliveredBefore = child.lines.filter((l) => l.startsWith('delivered')).length;
    assert.ok(deliveredBefore < count, `killed mid-burst (${deliveredBefore} of ${count} delivered)`);

    const svc = await rig.open();
    await waitFor(() => svc.pendingCount() === 1, 5000, 'the rest delivered (the long one stays pending)');
    const bodies = (await rig.realMessages('K')).map((m) => m.body.toString());
    assert.ok(!bodies.includes('long'));
    const seen = new Map<string, number>();
    for (const b of bodies) seen.set(b, (seen.get(b) ?? 0) + 1);
    const dup = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(dup, [], 'no duplicates');
    assert.equal(seen.size, count, 'none lost');
  } finally {
    await child.kill9();
    await rig.destroy();
  }
});
