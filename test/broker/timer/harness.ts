/** Test rig for the timer service: a store on a temp dir, the service, and a record of deliveries. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AppendInput, MessageStore, StoredMessage } from '../../../src/store/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Prop } from '../../../src/broker/properties.js';
import { TimerService, toRealAppendInput, type TimerServiceOptions } from '../../../src/broker/timer/index.js';
import { openMessageStore } from '../../../src/store/index.js';

/** The real store, sync flush (a resolved append is on disk), small segments. */
export function openTestStore(dataDir: string): Promise<MessageStore> {
  return openMessageStore({ dataDir, flushMode: 'sync', segmentSize: 8 * 1024 * 1024, logger: silentLogger() });
}

export interface Delivery {
  /** Date.now() when `deliver` was called. */
  at: number;
  deliverAt: number;
  messageId: string;
  body: string;
}

export function message(topic: string, body: string, queueId = 0, props: Record<string, string> = {}): AppendInput {
  return {
    topic,
    queueId,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:1',
    storeHost: '127.0.0.1:2',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    properties: { [Prop.UNIQ_KEY]: randomBytes(8).toString('hex').toUpperCase(), ...props },
    body: Buffer.from(body),
  };
}

export class Rig {
  store: MessageStore | undefined;
  svc: TimerService | undefined;
  readonly deliveries: Delivery[] = [];
  /** Replaces the default deliver (append the real copy) when set. */
  deliverHook: ((rec: StoredMessage) => Promise<void>) | undefined;

  private constructor(readonly dir: string) {}

  static async create(): Promise<Rig> {
    return new Rig(await mkdtemp(join(tmpdir(), 'apogee-timer-')));
  }

  get service(): TimerService {
    if (!this.svc) throw new Error('service not open');
    return this.svc;
  }

  get messageStore(): MessageStore {
    if (!this.store) throw new Error('store not open');
    return this.store;
  }

  async open(options: Partial<TimerServiceOptions> = {}, wrap?: (s: MessageStore) => MessageStore): Promise<TimerService> {
    const raw = await openTestStore(this.dir);
    this.store = raw;
    const store = wrap ? wrap(raw) : raw;
    this.svc = new TimerService({
      store,
      logger: silentLogger(),
      deliver: async (rec) => {
        this.deliveries.push({
          at: Date.now(),
          deliverAt: Number(rec.properties[Prop.TIMER_DELIVER_MS]),
          messageId: rec.properties[Prop.UNIQ_KEY] ?? '',
          body: rec.body.toString(),
        });
        if (this.deliverHook) await this.deliverHook(rec);
        else await raw.append(toRealAppendInput(rec));
      },
      ...options,
    });
    await this.svc.start();
    return this.svc;
  }

  /** Clean stop of service and store. */
  async close(): Promise<void> {
    await this.svc?.close();
    await this.store?.close();
    this.svc = undefined;
    this.store = undefined;
  }

  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Every record of a real topic queue, in order. */
  async realMessages(topic: string, queueId = 0): Promise<StoredMessage[]> {
    const s = this.messageStore;
    const entries = await s.readQueue(topic, queueId, 0, 10_000);
    const out: StoredMessage[] = [];
    for (const e of entries) {
      const m = await s.read(e.commitLogOffset);
      if (m) out.push(m);
    }
    return out;
  }
}

/** Like waitFor with an async condition. */
export async function waitForAsync(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls `cond` every 5 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
