/** The table RPC → handler. Keys are the generated service definition's method names. */
import { ackMessage } from './ack-message.js';
import { changeInvisibleDuration } from './change-invisible-duration.js';
import { endTransaction } from './end-transaction.js';
import { forwardMessageToDeadLetterQueue } from './forward-message-to-dlq.js';
import { getOffset } from './get-offset.js';
import { heartbeat } from './heartbeat.js';
import { notifyClientTermination } from './notify-client-termination.js';
import { pullMessage } from './pull-message.js';
import { queryAssignment } from './query-assignment.js';
import { queryOffset } from './query-offset.js';
import { queryRoute } from './query-route.js';
import { recallMessage } from './recall-message.js';
import { receiveMessage } from './receive-message.js';
import { sendMessage } from './send-message.js';
import { syncLiteSubscription } from './sync-lite-subscription.js';
import { updateOffset } from './update-offset.js';

export const UNARY_HANDLERS = {
  queryRoute,
  heartbeat,
  sendMessage,
  queryAssignment,
  ackMessage,
  forwardMessageToDeadLetterQueue,
  updateOffset,
  getOffset,
  queryOffset,
  endTransaction,
  notifyClientTermination,
  changeInvisibleDuration,
  recallMessage,
  syncLiteSubscription,
} as const;

export const SERVER_STREAM_HANDLERS = {
  receiveMessage,
  pullMessage,
} as const;

export { serveTelemetry } from './telemetry.js';
