/**
 * A MessagingService that stores nothing: it answers a route (queue 0 on itself), the Telemetry settings, heartbeats,
 * sends (OK with the client's message id), transaction ends and termination. The bench points the official client
 * at it to measure the client's own ceiling, so Apogee's numbers can be read as a ratio of what the client allows.
 *
 * Run as a child process: prints `noop-grpc ready PORT` once listening; exits on SIGTERM.
 */
import { Server, ServerCredentials, type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ClientType, Code, Permission, type Settings } from '../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import {
  MessagingServiceService,
  type QueryRouteRequest,
  type SendMessageRequest,
  type TelemetryCommand,
} from '../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';

const OK = { code: Code.OK, message: 'OK' };

function settingsAnswer(s: Settings): Settings {
  const backoffPolicy = {
    maxAttempts: 3,
    strategy: {
      $case: 'exponentialBackoff' as const,
      exponentialBackoff: { initial: { seconds: 1, nanos: 0 }, max: { seconds: 10, nanos: 0 }, multiplier: 2 },
    },
  };
  if (s.clientType === ClientType.PRODUCER) {
    return {
      ...s,
      backoffPolicy,
      pubSub: { $case: 'publishing', publishing: { topics: [], maxBodySize: 4 * 1024 * 1024, validateMessageType: true } },
    };
  }
  return { ...s, backoffPolicy };
}

function unary<Req, Res>(answer: (req: Req, call: ServerUnaryCall<Req, Res>) => Res) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>): void => cb(null, answer(call.request, call));
}

/** Routes point the client back here. */
let boundPort = 0;

const impl: UntypedServiceImplementation = {
  queryRoute: unary((req: QueryRouteRequest) => {
    return {
      status: OK,
      messageQueues: [
        {
          topic: req.topic,
          id: 0,
          permission: Permission.READ_WRITE,
          broker: { name: 'noop', id: 0, endpoints: { scheme: 1, addresses: [{ host: '127.0.0.1', port: boundPort }] } },
          acceptMessageTypes: [1, 2, 3, 4],
        },
      ],
    };
  }),
  heartbeat: unary(() => ({ status: OK })),
  sendMessage: unary((req: SendMessageRequest) => ({
    status: OK,
    entries: req.messages.map((m, i) => {
      const id = m.systemProperties?.messageId ?? String(i);
      return { status: OK, messageId: id, transactionId: id, offset: 0, recallHandle: '' };
    }),
  })),
  endTransaction: unary(() => ({ status: OK })),
  notifyClientTermination: unary(() => ({ status: OK })),
  telemetry: (stream: ServerDuplexStream<TelemetryCommand, TelemetryCommand>) => {
    stream.on('data', (cmd: TelemetryCommand) => {
      if (cmd.command?.$case === 'settings') {
        stream.write({ status: OK, command: { $case: 'settings', settings: settingsAnswer(cmd.command.settings) } });
      }
    });
    stream.on('end', () => stream.end());
    stream.on('error', () => {});
  },
};


const server = new Server();
server.addService(MessagingServiceService, impl);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`noop-grpc: ${err.message}\n`);
    process.exit(1);
  }
  boundPort = port;
  process.stdout.write(`noop-grpc ready ${port}\n`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
