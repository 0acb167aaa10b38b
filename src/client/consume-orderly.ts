/**
 * Orderly consumption (ConsumeMessageOrderlyService): one batch at a time per queue, in queue order, and in
 * clustering mode only while this client holds the queue's lock on the broker. SUSPEND_CURRENT_QUEUE_A_MOMENT
 * (or a listener that throws) offers the same messages again after `suspendCurrentQueueTimeMillis`, with their
 * reconsume times counted up; nothing behind them runs meanwhile. With maxReconsumeTimes set, a batch still failing
 * after that many re-offers goes to the DLQ and the queue moves on.
 */
import { resetRetryTopic, sendMessageBack, TaskCounter, type ConsumeContext, type ConsumeService } from './consume-context.js';
import type { ProcessQueue } from './process-queue.js';
import { sleep } from './semaphore.js';
import { ConsumeOrderlyStatus, MessageModel, type ConsumeOrderlyContext, type MessageExt, type MessageListenerOrderly } from './types.js';

export class ConsumeOrderlyService implements ConsumeService {
  private readonly tasks = new TaskCounter();

  constructor(
    private readonly ctx: ConsumeContext,
    private readonly listener: MessageListenerOrderly,
  ) {}

  submit(pq: ProcessQueue): void {
    if (pq.consuming) return;
    pq.consuming = true;
    this.tasks.begin();
    void this.loop(pq)
      .catch((err: unknown) => this.ctx.instance.logger.error({ err, queue: pq.queue }, 'orderly consume loop failed'))
      .finally(() => {
        pq.consuming = false;
        this.tasks.end();
        // Messages that arrived while the loop was finishing.
        if (pq.waiting.length > 0 && !pq.dropped && this.ctx.running()) this.submit(pq);
      });
  }

  /** Past orderlyMaxReconsumeTimes: every message of the batch straight to the DLQ (delay level -1); true when all went. */
  private async deadLetter(batch: MessageExt[]): Promise<boolean> {
    const max = this.ctx.orderlyMaxReconsumeTimes;
    if (max === undefined || this.ctx.model !== MessageModel.CLUSTERING || batch.some((m) => m.reconsumeTimes < max)) return false;
    try {
      for (const m of batch) await sendMessageBack(this.ctx, m, -1);
      return true;
    } catch (err) {
      this.ctx.instance.logger.warn({ err: (err as Error).message, msgIds: batch.map((m) => m.msgId) }, 'orderly: dead-lettering failed; suspending the queue again');
      return false;
    }
  }

  drain(): Promise<void> {
    return this.tasks.whenIdle();
  }

  private async loop(pq: ProcessQueue): Promise<void> {
    const clustering = this.ctx.model === MessageModel.CLUSTERING;
    while (pq.waiting.length > 0 && !pq.dropped && this.ctx.running()) {
      if (clustering && !pq.lockValid) {
        if (!(await this.ctx.lock(pq))) {
          await sleep(100);
          continue;
        }
      }
      const batch = pq.waiting.slice(0, this.ctx.batchSize);
      resetRetryTopic(this.ctx.group, batch);
      const context: ConsumeOrderlyContext = { queue: pq.queue, suspendCurrentQueueTimeMillis: this.ctx.suspendCurrentQueueTimeMillis };
      let status: ConsumeOrderlyStatus = ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
      await this.ctx.slots.acquire();
      try {
        if (pq.dropped) return;
        const s = await this.listener(batch, context);
        status = s === ConsumeOrderlyStatus.SUCCESS ? s : ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
      } catch (err) {
        this.ctx.instance.logger.warn({ err, queue: pq.queue }, 'orderly listener threw; suspending the queue a moment');
      } finally {
        this.ctx.slots.release();
      }
      if (pq.dropped) return;
      if (status === ConsumeOrderlyStatus.SUCCESS) {
        pq.waiting.splice(0, batch.length);
        const offset = pq.complete(batch.map((m) => m.queueOffset));
        if (offset >= 0) this.ctx.offsetStore.update(pq.queue, offset, false);
      } else if (await this.deadLetter(batch)) {
        pq.waiting.splice(0, batch.length);
        const offset = pq.complete(batch.map((m) => m.queueOffset));
        if (offset >= 0) this.ctx.offsetStore.update(pq.queue, offset, false);
      } else {
        for (const m of batch) m.reconsumeTimes++;
        await sleep(Math.max(10, context.suspendCurrentQueueTimeMillis));
      }
    }
  }
}
