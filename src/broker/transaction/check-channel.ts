/**
 * How the broker reaches producers for check-backs. The protocol layer implements it over its live-client
 * registry (gRPC: a RecoverOrphanedTransactionCommand on the Telemetry stream of one live producer that declared
 * the topic; round robin). The broker holds no protocol types.
 */
import type { MessageView } from '../types.js';

export interface CheckBackChannel {
  /**
   * Sends one check-back to one live producer of `producerGroup` (for gRPC clients: the topic).
   * Returns false when no live producer can be asked (the check is then not counted).
   */
  sendCheck(producerGroup: string, message: MessageView, transactionId: string): boolean;
}
