/** The broker endpoint routes advertise: configured, else the access point the client used, else :authority. */
import { isIP } from 'node:net';
import { AddressScheme, type Endpoints } from '../generated/apache/rocketmq/v2/definition.js';
import type { CallContext, GrpcRuntime } from '../context.js';

function schemeOf(host: string): AddressScheme {
  const v = isIP(host);
  return v === 4 ? AddressScheme.IPv4 : v === 6 ? AddressScheme.IPv6 : AddressScheme.DOMAIN_NAME;
}

export function endpointsOf(host: string, port: number): Endpoints {
  return { scheme: schemeOf(host), addresses: [{ host, port }] };
}

/** Splits "host:port" / "[v6]:port"; undefined when there is no usable port. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

export function routeEndpoints(rt: GrpcRuntime, ctx: CallContext, requested: Endpoints | undefined): Endpoints {
  if (rt.advertised) return endpointsOf(rt.advertised.host, rt.advertised.port);
  // The access point the client dialled reaches this server; handing it back keeps every later call there.
  const usable = requested?.addresses.filter((a) => a.host !== '' && a.port > 0 && a.port <= 65535) ?? [];
  if (usable.length > 0) return { scheme: requested!.scheme || schemeOf(usable[0]!.host), addresses: usable };
  const fromAuthority = parseHostPort(ctx.authority);
  if (fromAuthority) return endpointsOf(fromAuthority.host, fromAuthority.port);
  const host = rt.bound.host === '0.0.0.0' || rt.bound.host === '::' || rt.bound.host === '' ? '127.0.0.1' : rt.bound.host;
  return endpointsOf(host, rt.bound.port);
}
