/**
 * Concurrent consumption (ConsumeMessageConcurrentlyService): batches of `consumeMessageBatchMaxSize` run in
 * parallel up to the consumer's bound. CONSUME_SUCCESS moves the queue's committable offset; RECONSUME_LATER (or
 * a listener that throws) sends each message back to the broker's retry topic in clustering mode, and only
 * drops it in broadcasting mode (RocketMQ has no per-client retry). A failed send-back is consumed again here.
 */
import { resetRetryTopic, sendMessageBack, TaskCounter, type ConsumeContext, type ConsumeService } from './consume-context.js';
import type { ProcessQueue } from './process-queue.js';
import { sleep } from './semaphore.js';
import { ConsumeConcurrentlyStatus, MessageModel, type ConsumeConcurrentlyContext, type MessageExt, type MessageListenerConcurrently } from './types.js';

export class ConsumeConcurrentlyService implements ConsumeService {
  private readonly tasks = new TaskCounter();

  constructor(
    private readonly ctx: ConsumeContext,
    private readonly listener: MessageListenerConcurrently,
  ) {}

  submit(pq: ProcessQueue, messages: MessageExt[]): void {
    for (let i = 0; i < messages.length; i += this.ctx.batchSize) {
      const batch = messages.slice(i, i + this.ctx.batchSize);
      this.tasks.begin();
      void this.run(pq, batch).finally(() => this.tasks.end());
    }
  }

  drain(): Promise<void> {
    return this.tasks.whenIdle();
  }

  private async run(pq: ProcessQueue, batch: MessageExt[]): Promise<void> {
    await this.ctx.slots.acquire();
    let status: ConsumeConcurrentlyStatus = ConsumeConcurrentlyStatus.RECONSUME_LATER;
    const context: ConsumeConcurrentlyContext = { queue: pq.queue, delayLevelWhenNextConsume: 0 };
    try {
      if (pq.dropped || !this.ctx.running()) return;
      resetRetryTopic(this.ctx.group, batch);
      try {
        const s = await this.listener(batch, context);
        status = s === ConsumeConcurrentlyStatus.CONSUME_SUCCESS ? s : ConsumeConcurrentlyStatus.RECONSUME_LATER;
      } catch (err) {
        this.ctx.instance.logger.warn({ err, queue: pq.queue, msgIds: batch.map((m) => m.msgId) }, 'message listener threw; reconsume later');
      }
    } finally {
      this.ctx.slots.release();
    }
    let retryHere: MessageExt[] = [];
    if (status === ConsumeConcurrentlyStatus.RECONSUME_LATER) {
      if (this.ctx.model === MessageModel.BROADCASTING) {
        this.ctx.instance.logger.warn({ msgIds: batch.map((m) => m.msgId) }, 'broadcasting: RECONSUME_LATER drops the messages');
      } else {
        const failed = await Promise.all(
          batch.map((m) =>
            sendMessageBack(this.ctx, m, context.delayLevelWhenNextConsume).then(
              () => undefined,
              (err: unknown) => {
                this.ctx.instance.logger.warn({ msgId: m.msgId, err: (err as Error).message }, 'send back failed; consuming it again here');
                m.reconsumeTimes++;
                return m;
              },
            ),
          ),
        );
        retryHere = failed.filter((m): m is MessageExt => m !== undefined);
      }
    }
    const doneOffsets = batch.filter((m) => !retryHere.includes(m)).map((m) => m.queueOffset);
    const offset = pq.complete(doneOffsets);
    if (offset >= 0 && !pq.dropped) this.ctx.offsetStore.update(pq.queue, offset, true);
    if (retryHere.length > 0 && this.ctx.running() && !pq.dropped) {
      // Not counted as running: shutdown does not wait for it, and the offset stays before these messages.
      void sleep(5000).then(() => {
        if (this.ctx.running() && !pq.dropped) this.submit(pq, retryHere);
      });
    }
  }
}
