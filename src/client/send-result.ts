/** A send response (SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE) → SendResult, or the broker's refusal as an MQBrokerError. */
import { ResponseCode } from '../protocol/remoting/codes.js';
import type { RemotingCommand } from '../protocol/remoting/command.js';
import { MQBrokerError } from './errors.js';
import { SendStatus, type MessageQueue, type SendResult } from './types.js';

const FLUSH_SLAVE_TIMEOUT = 12;
const SLAVE_NOT_AVAILABLE = 11;

export function toSendResult(r: RemotingCommand, addr: string, queue: MessageQueue, uniqueId: string): SendResult {
  let sendStatus: SendStatus;
  switch (r.code) {
    case ResponseCode.SUCCESS:
      sendStatus = SendStatus.SEND_OK;
      break;
    case ResponseCode.FLUSH_DISK_TIMEOUT:
      sendStatus = SendStatus.FLUSH_DISK_TIMEOUT;
      break;
    case FLUSH_SLAVE_TIMEOUT:
      sendStatus = SendStatus.FLUSH_SLAVE_TIMEOUT;
      break;
    case SLAVE_NOT_AVAILABLE:
      sendStatus = SendStatus.SLAVE_NOT_AVAILABLE;
      break;
    default:
      throw new MQBrokerError(r.code, r.remark, addr);
  }
  const queueId = Number(r.extFields['queueId'] ?? queue.queueId);
  const result: SendResult = {
    sendStatus,
    msgId: uniqueId,
    offsetMsgId: r.extFields['msgId'] ?? '',
    queue: { topic: queue.topic, brokerName: queue.brokerName, queueId: Number.isInteger(queueId) ? queueId : queue.queueId },
    queueOffset: Number(r.extFields['queueOffset'] ?? -1),
  };
  const tid = r.extFields['transactionId'];
  if (tid) result.transactionId = tid;
  return result;
}
