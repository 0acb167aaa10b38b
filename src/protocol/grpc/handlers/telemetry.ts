/**
 * Telemetry (bidi stream): the client's control channel. The client sends its Settings; the server answers
 * with its own Settings, registers the client in the live-client registry and keeps the stream as the
 * channel for server commands (transaction check-backs). Lifetime rules the official Node client needs:
 * - when the client half-closes, finish with OK (an error status crashes the client process);
 * - the stream is never ended because of NotifyClientTermination (the client closes it itself right after);
 * - when the server ends it (expiry, shutdown) the client reopens it and re-sends Settings under the same id,
 *   which the registry treats as the same client.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ClientRegistryFullError } from '../../../broker/clients/registry.js';
import type { ClientChannel } from '../../../broker/clients/types.js';
import { Code, type Settings, type Status } from '../generated/apache/rocketmq/v2/definition.js';
import type { TelemetryCommand } from '../generated/apache/rocketmq/v2/service.js';
import { okStatus, status, statusFromError } from '../codes.js';
import { CLIENT_ID_HEADER, header, type GrpcRuntime } from '../context.js';
import { toTelemetryCommand } from '../telemetry/commands.js';
import { answerSettings } from '../telemetry/settings-answer.js';

/** Commands queued for a client beyond this are refused (the registry then tries another client or later). */
const MAX_QUEUED_COMMANDS = 256;

export type TelemetryCall = ServerDuplexStream<TelemetryCommand, TelemetryCommand>;

export interface TelemetryHooks {
  /** Called once when the stream is over, with the last status it carried. */
  onFinish(code: Code): void;
  /** ACL check of a Settings command (auth on): a status refuses it, the stream stays open. */
  authorizeSettings?(settings: Settings): Status | undefined;
}

/** Serves one Telemetry stream; returns a function that ends it from the server side. */
export function serveTelemetry(rt: GrpcRuntime, call: TelemetryCall, hooks: TelemetryHooks): (reason: string) => void {
  const clientId = header(call.metadata, CLIENT_ID_HEADER);
  const peer = call.getPeer();
  let closed = false;
  let lastCode = Code.OK;
  let detach: (() => void) | undefined;
  let repeat: NodeJS.Timeout | undefined;

  const write = (cmd: TelemetryCommand): boolean => {
    if (closed) return false;
    try {
      call.write(cmd);
      return true;
    } catch (err) {
      rt.logger.debug({ err, clientId }, 'telemetry write failed');
      return false;
    }
  };

  /** Ends the stream. `endCall` false when the transport is already gone (cancelled). */
  const finish = (endCall: boolean): void => {
    if (closed) return;
    closed = true;
    if (repeat) clearTimeout(repeat);
    detach?.();
    detach = undefined;
    if (endCall) {
      try {
        call.end();
      } catch {
        // already ended by the transport
      }
    }
    hooks.onFinish(lastCode);
  };

  const sendStatus = (s: Status): void => {
    lastCode = s.code;
    write({ status: s, command: undefined });
  };

  if (clientId === '') {
    sendStatus(status(Code.CLIENT_ID_REQUIRED, `${CLIENT_ID_HEADER} header is required`));
    finish(true);
    return () => {};
  }

  const channel: ClientChannel = {
    send(command) {
      if (closed || call.writableLength >= MAX_QUEUED_COMMANDS) return false;
      return write(toTelemetryCommand(command));
    },
    close(reason) {
      rt.logger.info({ clientId, reason }, 'ending telemetry stream');
      finish(true);
    },
  };

  const onSettings = (settings: Settings): void => {
    const refused = hooks.authorizeSettings?.(settings);
    if (refused) {
      rt.logger.debug({ clientId, reason: refused.message }, 'telemetry settings refused by auth');
      sendStatus(refused);
      return;
    }
    const { answer, declaration } = answerSettings(rt, settings, peer);
    rt.clients.declare(clientId, declaration);
    if (!rt.clients.hasChannel(clientId, channel)) detach = rt.clients.attachChannel(clientId, channel);
    const cmd: TelemetryCommand = { status: okStatus(), command: { $case: 'settings', settings: answer } };
    lastCode = Code.OK;
    write(cmd);
    if (rt.settings.settingsRepeatMs > 0) {
      if (repeat) clearTimeout(repeat);
      repeat = setTimeout(() => write(cmd), rt.settings.settingsRepeatMs);
      repeat.unref();
    }
  };

  call.on('data', (cmd: TelemetryCommand) => {
    try {
      const c = cmd.command;
      if (c?.$case === 'settings') onSettings(c.settings);
      else {
        // Answers to server commands (thread stack, verify result) and bare statuses: only signs of life.
        rt.clients.touch(clientId);
        if (c) rt.logger.debug({ clientId, command: c.$case }, 'telemetry command from client ignored');
      }
    } catch (err) {
      if (err instanceof ClientRegistryFullError) sendStatus(status(Code.TOO_MANY_REQUESTS, err.message));
      else sendStatus(statusFromError(err, rt.logger, 'Telemetry'));
    }
  });
  // Client half-closed: answer OK and forget the channel.
  call.on('end', () => finish(true));
  call.on('cancelled', () => finish(false));
  call.on('error', (err: Error) => {
    rt.logger.debug({ err, clientId }, 'telemetry stream error');
    finish(false);
  });

  return (reason) => channel.close(reason);
}
