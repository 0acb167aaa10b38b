/**
 * Where a consumer keeps its progress. Clustering: the broker (QUERY/UPDATE_CONSUMER_OFFSET), cached here and
 * written back periodically and at shutdown (RemoteBrokerOffsetStore). Broadcasting: this client only
 * (LocalFileOffsetStore), in memory, and in `<dir>/<group>.offsets.json` when a directory is given.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RequestCode, ResponseCode } from '../protocol/remoting/codes.js';
import type { ClientInstance } from './client-instance.js';
import { MQClientError } from './errors.js';
import { queueKey } from './topic-route.js';
import type { MessageQueue } from './types.js';

export interface OffsetStore {
  load(): Promise<void>;
  /** The stored offset, or -1 when there is none. `fromStore`: skip the cache. */
  read(queue: MessageQueue, fromStore: boolean): Promise<number>;
  update(queue: MessageQueue, offset: number, increaseOnly: boolean): void;
  persist(queues: readonly MessageQueue[]): Promise<void>;
  remove(queue: MessageQueue): void;
}

interface Entry {
  queue: MessageQueue;
  offset: number;
  dirty: boolean;
}

abstract class CachedOffsets {
  protected readonly table = new Map<string, Entry>();

  update(queue: MessageQueue, offset: number, increaseOnly: boolean): void {
    const k = queueKey(queue);
    const e = this.table.get(k);
    if (!e) this.table.set(k, { queue, offset, dirty: true });
    else if (!increaseOnly || offset > e.offset) {
      if (e.offset !== offset) e.dirty = true;
      e.offset = offset;
    }
  }

  remove(queue: MessageQueue): void {
    this.table.delete(queueKey(queue));
  }

  protected cached(queue: MessageQueue): number | undefined {
    return this.table.get(queueKey(queue))?.offset;
  }
}

export class RemoteOffsetStore extends CachedOffsets implements OffsetStore {
  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
  ) {
    super();
  }

  async load(): Promise<void> {}

  async read(queue: MessageQueue, fromStore: boolean): Promise<number> {
    if (!fromStore) {
      const c = this.cached(queue);
      if (c !== undefined) return c;
    }
    const addr = await this.addrOf(queue);
    const r = await this.instance.connections.invoke(
      addr,
      RequestCode.QUERY_CONSUMER_OFFSET,
      { consumerGroup: this.group, topic: queue.topic, queueId: String(queue.queueId), setZeroIfNotFound: 'true', bname: queue.brokerName },
      undefined,
      this.instance.options.requestTimeoutMs,
      [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND],
    );
    if (r.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    const offset = Number(r.extFields['offset']);
    if (!Number.isFinite(offset)) return -1;
    this.table.set(queueKey(queue), { queue, offset, dirty: false });
    return offset;
  }

  private async addrOf(queue: MessageQueue): Promise<string> {
    let addr = this.instance.brokerAddr(queue.brokerName);
    if (!addr) {
      await this.instance.updateRoute(queue.topic);
      addr = this.instance.brokerAddr(queue.brokerName);
    }
    if (!addr) throw new MQClientError('NO_ROUTE', `no address for broker ${queue.brokerName}`);
    return addr;
  }

  /** Writes the offsets of `queues` that changed since they were last written. */
  async persist(queues: readonly MessageQueue[]): Promise<void> {
    await Promise.all(
      queues.map(async (q) => {
        const e = this.table.get(queueKey(q));
        if (!e || !e.dirty) return;
        e.dirty = false;
        const offset = e.offset;
        try {
          const addr = await this.addrOf(q);
          await this.instance.connections.invoke(
            addr,
            RequestCode.UPDATE_CONSUMER_OFFSET,
            { consumerGroup: this.group, topic: q.topic, queueId: String(q.queueId), commitOffset: String(offset), bname: q.brokerName },
            undefined,
            this.instance.options.requestTimeoutMs,
          );
        } catch (err) {
          if (e.offset === offset) e.dirty = true;
          this.instance.logger.debug({ queue: q, offset, err: (err as Error).message }, 'offset commit failed; will try again');
        }
      }),
    );
  }
}

export class LocalOffsetStore extends CachedOffsets implements OffsetStore {
  private readonly file: string | undefined;

  constructor(group: string, dir: string | undefined) {
    super();
    this.file = dir ? join(dir, `${group.replace(/[^a-zA-Z0-9_%|-]/g, '_')}.offsets.json`) : undefined;
  }

  async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // first run
    }
    let parsed: { offsetTable?: Array<{ topic: string; brokerName: string; queueId: number; offset: number }> };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new MQClientError('ILLEGAL_ARGUMENT', `offset file ${this.file} is not JSON; move it away to start from ConsumeFromWhere`);
    }
    for (const e of Array.isArray(parsed.offsetTable) ? parsed.offsetTable : []) {
      if (typeof e?.topic !== 'string' || typeof e.brokerName !== 'string' || !Number.isInteger(e.queueId) || !Number.isInteger(e.offset)) continue;
      const queue = { topic: e.topic, brokerName: e.brokerName, queueId: e.queueId };
      this.table.set(queueKey(queue), { queue, offset: e.offset, dirty: false });
    }
  }

  async read(queue: MessageQueue): Promise<number> {
    return this.cached(queue) ?? -1;
  }

  async persist(): Promise<void> {
    if (!this.file) return;
    if (![...this.table.values()].some((e) => e.dirty)) return;
    const offsetTable = [...this.table.values()].map((e) => {
      e.dirty = false;
      return { ...e.queue, offset: e.offset };
    });
    const dir = join(this.file, '..');
    await mkdir(dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify({ offsetTable }));
    await rename(tmp, this.file);
  }
}
