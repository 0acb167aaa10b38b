/**
 * Tunables of the gRPC front. Defaults follow RocketMQ 5's proxy where the official clients depend on them
 * (long polling 20 s, receive batch 32, producer backoff 10 ms → 1 s ×2 over 3 attempts, max body 4 MiB).
 */
export interface GrpcSettings {
  /** Largest accepted message body (bytes); also told to producers as publishing.max_body_size. */
  maxBodyBytes: number;
  /** gRPC frame limit for requests and responses; must exceed maxBodyBytes so an oversize body gets a status. */
  maxFrameBytes: number;
  /** Longest long-poll of a ReceiveMessage, and what push consumers are told to ask for. */
  longPollingTimeoutMs: number;
  /** Receive batch size told to push consumers. */
  receiveBatchSize: number;
  /** Largest batch_size a ReceiveMessage may ask for. */
  maxReceiveBatchSize: number;
  /** Kept free before a call's deadline so the answer arrives in time (network + encode). */
  deadlineReserveMs: number;
  /** Invisible duration used when a push consumer asks for auto-renew without naming one. */
  autoRenewInvisibleMs: number;
  /** Accepted range of invisible durations (ReceiveMessage, ChangeInvisibleDuration). */
  minInvisibleMs: number;
  maxInvisibleMs: number;
  /** A DELAY message may be due at most this far ahead. */
  maxDelayMs: number;
  /** Producer retry policy sent in Settings (the Node client only reads whole seconds of the durations). */
  producerMaxAttempts: number;
  producerBackoffInitialMs: number;
  producerBackoffMaxMs: number;
  producerBackoffMultiplier: number;
  /** Told to producers: false lets them skip their own message-type check. */
  validateMessageType: boolean;
  /** Message shape limits. */
  maxTopicLength: number;
  maxGroupLength: number;
  maxMessageGroupLength: number;
  maxUserProperties: number;
  maxUserPropertiesBytes: number;
  maxMessagesPerSend: number;
  /** Backpressure: requests in progress per client id and in total (Telemetry streams excluded). */
  maxInFlightPerClient: number;
  maxInFlightGlobal: number;
  /** How often silent clients are swept from the live-client registry. */
  clientSweepIntervalMs: number;
  /**
   * Settings are answered at once and once more after this delay (0 = never): a client declaring several
   * topics starts waiting for the answer only after its last route lookup, and would otherwise miss it.
   */
  settingsRepeatMs: number;
  /** Grace given to open calls on close before they are cut. */
  shutdownGraceMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_GRPC_SETTINGS: Readonly<GrpcSettings> = Object.freeze({
  maxBodyBytes: 4 * MiB,
  maxFrameBytes: 4 * MiB + MiB,
  longPollingTimeoutMs: 20_000,
  receiveBatchSize: 32,
  maxReceiveBatchSize: 1024,
  deadlineReserveMs: 300,
  autoRenewInvisibleMs: 60_000,
  minInvisibleMs: 1,
  maxInvisibleMs: 12 * 3600_000,
  maxDelayMs: 24 * 3600_000,
  producerMaxAttempts: 3,
  producerBackoffInitialMs: 10,
  producerBackoffMaxMs: 1000,
  producerBackoffMultiplier: 2,
  validateMessageType: true,
  maxTopicLength: 127,
  maxGroupLength: 255,
  maxMessageGroupLength: 64,
  maxUserProperties: 128,
  maxUserPropertiesBytes: 16 * 1024,
  maxMessagesPerSend: 1024,
  maxInFlightPerClient: 1000,
  maxInFlightGlobal: 10_000,
  clientSweepIntervalMs: 10_000,
  settingsRepeatMs: 1000,
  shutdownGraceMs: 2000,
});

/** Fills defaults and checks the combination; throws a plain Error naming the bad setting. */
export function resolveGrpcSettings(partial: Partial<GrpcSettings> = {}): GrpcSettings {
  const s: GrpcSettings = { ...DEFAULT_GRPC_SETTINGS, ...partial };
  if (partial.maxFrameBytes === undefined) s.maxFrameBytes = Math.max(s.maxFrameBytes, s.maxBodyBytes + MiB);
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) throw new Error(`grpc setting ${k} must be a finite number >= 0, got ${v}`);
  }
  if (s.maxBodyBytes < 1) throw new Error('grpc setting maxBodyBytes must be >= 1');
  if (s.maxFrameBytes <= s.maxBodyBytes) throw new Error('grpc setting maxFrameBytes must exceed maxBodyBytes');
  if (s.minInvisibleMs > s.maxInvisibleMs) throw new Error('grpc setting minInvisibleMs exceeds maxInvisibleMs');
  if (s.receiveBatchSize < 1 || s.receiveBatchSize > s.maxReceiveBatchSize) {
    throw new Error('grpc setting receiveBatchSize must be within 1..maxReceiveBatchSize');
  }
  if (s.maxInFlightPerClient < 1 || s.maxInFlightGlobal < 1) throw new Error('grpc in-flight limits must be >= 1');
  return s;
}
