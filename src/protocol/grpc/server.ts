/**
 * The gRPC front (apache.rocketmq.v2.MessagingService). Until the gRPC issue lands it binds the port and
 * serves no service, so the flag and the port exist.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { BrokerApi } from '../../broker/api.js';
import type { Logger } from '../../util/logger.js';

export interface GrpcServerOptions {
  broker: BrokerApi;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
}

export interface GrpcServerHandle {
  /** The bound port. */
  readonly port: number;
  close(): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServerHandle> {
  const server = new Server();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Streams that never end would hold tryShutdown forever; force after a grace period.
        setTimeout(() => server.forceShutdown(), 2000).unref();
      }),
  };
}
