/** Registry commands → Telemetry commands on the wire. */
import type { ClientCommand } from '../../../broker/clients/types.js';
import type { TelemetryCommand } from '../generated/apache/rocketmq/v2/service.js';
import { toWireMessage } from '../message-view.js';

export function toTelemetryCommand(c: ClientCommand): TelemetryCommand {
  switch (c.kind) {
    case 'recoverOrphanedTransaction':
      return {
        status: undefined,
        command: {
          $case: 'recoverOrphanedTransactionCommand',
          recoverOrphanedTransactionCommand: {
            // body_digest is required: the Node client silently drops a check-back without it.
            message: toWireMessage(c.message, { name: c.message.topic, resourceNamespace: '' }),
            transactionId: c.transactionId,
          },
        },
      };
    case 'reconnectEndpoints':
      return { status: undefined, command: { $case: 'reconnectEndpointsCommand', reconnectEndpointsCommand: { nonce: c.nonce } } };
  }
}
