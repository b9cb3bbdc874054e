/** Checks that the addresses and ports a lab needs are free before anything starts, and says which is not. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
  proto: 'tcp' | 'udp';
  what: string;
}

function tryTcp(address: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    srv.listen({ host: address, port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

function tryUdp(address: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', (err: NodeJS.ErrnoException) => {
      sock.close();
      resolve(err.code ?? err.message);
    });
    sock.bind({ address, port, exclusive: true }, () => sock.close(() => resolve(null)));
  });
}

/** Returns the endpoints that cannot be bound, each with the reason. */
export async function busyEndpoints(endpoints: Endpoint[]): Promise<(Endpoint & { reason: string })[]> {
  const results = await Promise.all(
    endpoints.map(async (e) => ({ ...e, reason: await (e.proto === 'tcp' ? tryTcp(e.address, e.port) : tryUdp(e.address, e.port)) })),
  );
  return results.filter((r): r is Endpoint & { reason: string } => r.reason !== null);
}

export function describeBusy(busy: (Endpoint & { reason: string })[]): string {
  return busy
    .map((b) =>
      b.reason === 'EADDRINUSE'
        ? `${b.address}:${b.port}/${b.proto} (${b.what}) is already in use`
        : `${b.address}:${b.port}/${b.proto} (${b.what}) cannot be bound: ${b.reason}`,
    )
    .join('; ');
}
