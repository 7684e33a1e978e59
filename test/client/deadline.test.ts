// What the SDK says when a node keeps refusing with a retryable error until
// the deadline (defect: a write failed to the caller with NOT_LEADER, though
// docs/client.md says NOT_LEADER is retried inside the deadline). A fake node
// on 127.0.0.1 answers every operation NOT_LEADER without a leader address.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient, KvError } from '../../src/client/client.js';
import { encodeKvError } from '../../src/api/errors.js';
import { CHANNEL_OPTIONS, protos } from '../../src/api/protos.js';

let server: grpc.Server;
let address = '';
let ops = 0;

beforeAll(async () => {
  server = new grpc.Server(CHANNEL_OPTIONS);
  const notLeader = Buffer.from(encodeKvError(new KvError('NOT_LEADER', 'not the leader (fake node)')));
  server.addService(protos().pub.ferrykv.v1.RawKV.service, {
    Batch: (call: grpc.ServerDuplexStream<{ ops: { id: number }[] }, object>) => {
      call.on('data', (req: { ops: { id: number }[] }) => {
        ops += req.ops.length;
        call.write({ results: req.ops.map((o) => ({ id: o.id, error: notLeader })) });
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  address = `127.0.0.1:${port}`;
});
afterAll(() => server.forceShutdown());

describe('the SDK at its deadline', () => {
  it('retries NOT_LEADER until the deadline, then fails DEADLINE_EXCEEDED naming the last error (never NOT_LEADER)', async () => {
    const db = new FerryClient({ endpoints: [address], routing: 'off', timeoutMs: 400 });
    const fail = (p: Promise<unknown>): Promise<KvError | undefined> =>
      p.then(
        () => undefined,
        (e: unknown) => e as KvError,
      );
    const read = await fail(db.get('k'));
    expect(read?.code).toBe('DEADLINE_EXCEEDED');
    expect(read?.message).toMatch(/last error: NOT_LEADER/);
    // A write too: DEADLINE_EXCEEDED — or UNKNOWN_RESULT if the deadline cut an attempt short in flight (then it may have applied).
    const write = await fail(db.put('k', 'v'));
    expect(['DEADLINE_EXCEEDED', 'UNKNOWN_RESULT']).toContain(write?.code);
    db.close();
    expect(ops).toBeGreaterThan(2); // it did retry
  });
});
