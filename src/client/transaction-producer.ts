/**
 * TransactionProducer: the classic two-phase send. The half message is stored first (TRAN_MSG, PGROUP), the
 * listener's executeLocalTransaction runs, and END_TRANSACTION (one-way, as the Java client) commits, rolls back
 * or leaves it UNKNOW. The broker checks unresolved ones back with CHECK_TRANSACTION_STATE on a connection of
 * this producer group; checkLocalTransaction answers from a bounded pool. A listener that throws or does not
 * answer within `transactionTimeoutMs` counts as UNKNOW; a check-back that finds the pool full is logged and
 * dropped (the broker asks again).
 */
import { RequestCode } from '../protocol/remoting/codes.js';
import type { RemotingCommand } from '../protocol/remoting/command.js';
import { decodeMessages, MsgSysFlag, parseOffsetMessageId } from '../protocol/remoting/message-codec.js';
import { BoundedPool, withTimeout } from './bounded-pool.js';
import { MQClientError } from './errors.js';
import { messageProperties, toMessageExt, validateMessage } from './message-convert.js';
import { newUniqueId } from './message-id.js';
import { Producer, type PreparedSend, type ProducerOptions } from './producer.js';
import { LocalTransactionState, SendStatus, type Message, type MessageExt, type SendResult, type TransactionListener, type TransactionMessage, type TransactionSendResult } from './types.js';

export interface TransactionProducerOptions extends ProducerOptions {
  listener: TransactionListener;
  /** Check-backs answered at once (default 1, the Java pool's core size). */
  checkConcurrency?: number;
  /** Check-backs waiting for a free slot (default 2000); past it they are dropped. */
  checkQueueSize?: number;
  /** How long a listener call may take before it counts as UNKNOW (default 60 s). */
  transactionTimeoutMs?: number;
}

const stateCode = (s: LocalTransactionState): number =>
  s === LocalTransactionState.COMMIT_MESSAGE ? MsgSysFlag.TRANSACTION_COMMIT : s === LocalTransactionState.ROLLBACK_MESSAGE ? MsgSysFlag.TRANSACTION_ROLLBACK : 0;

const isState = (v: unknown): v is LocalTransactionState => v === 'COMMIT_MESSAGE' || v === 'ROLLBACK_MESSAGE' || v === 'UNKNOW';

export class TransactionProducer extends Producer {
  private readonly listener: TransactionListener;
  private readonly checkPool: BoundedPool;
  private readonly transactionTimeoutMs: number;

  constructor(options: TransactionProducerOptions) {
    super(options);
    if (!options.listener || typeof options.listener.executeLocalTransaction !== 'function' || typeof options.listener.checkLocalTransaction !== 'function') {
      throw new MQClientError('ILLEGAL_ARGUMENT', 'a TransactionProducer needs a listener with executeLocalTransaction and checkLocalTransaction');
    }
    this.listener = options.listener;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 60_000;
    this.checkPool = new BoundedPool(options.checkConcurrency ?? 1, options.checkQueueSize ?? 2000, (err) =>
      this.instance.logger.error({ err }, 'check-back task failed'),
    );
    this.member.onCheckTransaction = (addr, req) => this.onCheck(addr, req);
  }

  async sendMessageInTransaction(message: Message, arg: unknown): Promise<TransactionSendResult> {
    this.instance.ensureRunning();
    validateMessage(message, this.maxMessageSize);
    if ((message.delayTimeLevel ?? 0) > 0 || message.deliverTimeMs !== undefined) {
      throw new MQClientError('ILLEGAL_ARGUMENT', 'a transactional message cannot be delayed');
    }
    const uniqueId = newUniqueId();
    const prepared: PreparedSend = {
      topic: message.topic,
      body: message.body,
      properties: messageProperties(message, uniqueId, { TRAN_MSG: 'true', PGROUP: this.producerGroup }),
      uniqueId,
      sysFlag: MsgSysFlag.TRANSACTION_PREPARED,
      batch: false,
    };
    const sent: SendResult = await this.sendPrepared(prepared, message, {});
    const transactionId = sent.transactionId ?? uniqueId;
    let state: LocalTransactionState = LocalTransactionState.UNKNOW;
    if (sent.sendStatus === SendStatus.SEND_OK) {
      const txMessage: TransactionMessage = { ...message, transactionId, msgId: uniqueId, producerGroup: this.producerGroup };
      state = await this.ask(() => this.listener.executeLocalTransaction(txMessage, arg), 'executeLocalTransaction', transactionId);
    } else {
      // Stored but not safely (flush/slave timeout): the Java client rolls such a half message back.
      state = LocalTransactionState.ROLLBACK_MESSAGE;
    }
    await this.endTransaction(sent, transactionId, state);
    return { ...sent, transactionId, localTransactionState: state };
  }

  private async ask(call: () => LocalTransactionState | Promise<LocalTransactionState>, what: string, transactionId: string): Promise<LocalTransactionState> {
    const s = await withTimeout<LocalTransactionState | undefined>(call, this.transactionTimeoutMs, (why) => {
      this.instance.logger.warn({ transactionId, producerGroup: this.producerGroup, why }, `${what} failed; counted as UNKNOW`);
      return LocalTransactionState.UNKNOW;
    });
    if (!isState(s)) {
      this.instance.logger.warn({ transactionId, answer: String(s) }, `${what} answered no LocalTransactionState; counted as UNKNOW`);
      return LocalTransactionState.UNKNOW;
    }
    return s;
  }

  private async endTransaction(sent: SendResult, transactionId: string, state: LocalTransactionState): Promise<void> {
    const at = parseOffsetMessageId(sent.offsetMsgId);
    const addr = this.instance.brokerAddr(sent.queue.brokerName) ?? at?.host;
    if (!addr) {
      this.instance.logger.warn({ transactionId }, 'no broker address to end the transaction; the check-back will settle it');
      return;
    }
    const ok = await this.instance.connections.oneway(addr, RequestCode.END_TRANSACTION, {
      producerGroup: this.producerGroup,
      tranStateTableOffset: String(sent.queueOffset),
      commitLogOffset: String(at?.commitLogOffset ?? 0),
      commitOrRollback: String(stateCode(state)),
      fromTransactionCheck: 'false',
      msgId: sent.msgId,
      transactionId,
      bname: sent.queue.brokerName,
    });
    if (!ok) this.instance.logger.warn({ transactionId, state }, 'END_TRANSACTION not sent (connection down); the check-back will settle it');
  }

  private onCheck(addr: string, req: RemotingCommand): void {
    let ext: MessageExt;
    try {
      const [wire] = req.body ? decodeMessages(req.body) : [];
      if (!wire) throw new Error('no message in the body');
      ext = toMessageExt(wire, req.extFields['bname'] ?? req.extFields['brokerName'] ?? '');
    } catch (err) {
      this.instance.logger.warn({ addr, err: (err as Error).message }, 'check-back with an unreadable half message ignored');
      return;
    }
    const group = ext.producerGroup;
    if (group !== undefined && group !== this.producerGroup) return;
    const transactionId = req.extFields['transactionId'] ?? ext.transactionId ?? ext.msgId;
    if (ext.transactionId === undefined) ext.transactionId = transactionId;
    const accepted = this.checkPool.submit(async () => {
      const state = await this.ask(() => this.listener.checkLocalTransaction(ext), 'checkLocalTransaction', transactionId);
      const sent = await this.instance.connections.oneway(addr, RequestCode.END_TRANSACTION, {
        producerGroup: this.producerGroup,
        tranStateTableOffset: req.extFields['tranStateTableOffset'] ?? String(ext.queueOffset),
        commitLogOffset: req.extFields['commitLogOffset'] ?? String(ext.commitLogOffset),
        commitOrRollback: String(stateCode(state)),
        fromTransactionCheck: 'true',
        msgId: ext.msgId,
        transactionId,
        ...(req.extFields['bname'] ? { bname: req.extFields['bname'] } : {}),
      });
      if (!sent) this.instance.logger.warn({ transactionId, state }, 'check-back answer not sent (connection down); the broker asks again');
    });
    if (!accepted) {
      this.instance.logger.warn({ transactionId, producerGroup: this.producerGroup, checkQueueSize: this.checkPool.queued }, 'check-back pool full; check-back dropped (the broker asks again)');
    }
  }
}
