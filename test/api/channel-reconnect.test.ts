// The shared channel options (src/api/protos.ts CHANNEL_OPTIONS) reconnect to
// a peer soon after it listens again. gRPC's default reconnect backoff (1 s
// growing 1.6x to 120 s) left a node that started before its neighbours
// unable to send them anything for about a second — a read-index request was
// lost that way — and one down for a minute unreachable for tens of seconds
// after it came back. Measured by hand: after a 10 s outage the default
// reached the listener 4.4 s after it listened, these options 0.4 s.
import * as grpc from '@grpc/grpc-js';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CHANNEL_OPTIONS } from '../../src/api/protos.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free loopback port (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('channel reconnect backoff', () => {
  it('a channel that failed to connect for 6 s reaches the peer within 2.5 s of it listening (the default waits about 3 s more)', async () => {
    const port = await freePort();
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    try {
      client.getChannel().getConnectivityState(true); // start connecting: refused, then backoff
      await sleep(6000);
      const server = createServer((sock) => sock.destroy());
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      const up = Date.now();
      try {
        const waited = await Promise.race([new Promise<number>((res) => server.once('connection', () => res(Date.now() - up))), sleep(10_000).then(() => Infinity)]);
        expect(waited).toBeLessThan(2500);
      } finally {
        server.close();
      }
    } finally {
      client.close();
    }
  }, 30_000);
});
