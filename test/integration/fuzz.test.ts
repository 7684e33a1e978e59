// Fuzzing every public and admin RPC (and the internal ones) for a bounded
// time with random bytes, truncated messages, wrong wire types and
// well-formed requests carrying hostile values (timestamps at the end of the
// range or an hour ahead, empty and oversized keys, limits out of range,
// unknown nodes and groups, unknown enum values). Every answer must be a typed
// error (the ferrykv error detail with a code other than INTERNAL); afterwards
// every node still runs, the data, the membership and the route catalog are
// as before, and every group's clock is within the drift bound of physical
// time. Seeded: a failure prints the seed and the input.

import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { ERROR_METADATA_KEY, decodeKvError } from '../../src/api/errors.js';
import { CHANNEL_OPTIONS, protos } from '../../src/api/protos.js';
import { rng } from '../../testkit/rng.js';
import { TestCluster } from '../../testkit/cluster.js';

const SEED = Number(process.env.FERRYKV_FUZZ_SEED ?? 20261202);
const FUZZ_MS = 15_000;
const U64_MAX = ((1n << 64n) - 1n).toString();
const HOUR_AHEAD = (): string => ((BigInt(Date.now()) + 3_600_000n) << 16n).toString();
/** SetFaults is a test hook (refused without FERRYKV_TEST_HOOKS); fuzzing it would partition the test's own cluster. */
const SKIP = new Set(['ferrykv.admin.v1.Admin/SetFaults']);

type MethodDef = grpc.MethodDefinition<unknown, unknown> & { path: string };

let c: TestCluster;
let keepLogs = false;

/** Well-formed requests with values every method must refuse (by method name). */
function hostile(name: string): object[] {
  const big = Buffer.alloc(5000, 1);
  const key = Buffer.from('a/x');
  const ts = [U64_MAX, HOUR_AHEAD()];
  switch (name) {
    case 'Get':
    case 'TxnGet':
      return [{ key: Buffer.alloc(0) }, { key: big }, ...ts.map((t) => ({ key, readTs: t, startTs: t }))];
    case 'BatchGet':
    case 'TxnBatchGet':
      return [{ keys: [] }, { keys: [Buffer.alloc(0)] }, ...ts.map((t) => ({ keys: [key], readTs: t, startTs: t }))];
    case 'Put':
      return [{ key: Buffer.alloc(0), value: key }, { key: big, value: key }, { key, value: Buffer.alloc((4 << 20) + 1) }];
    case 'Delete':
      return [{ key: Buffer.alloc(0) }, { key: big }];
    case 'DeleteRange':
      return [{ start: Buffer.from('b'), end: Buffer.from('a') }, { start: big }];
    case 'BatchWrite':
      return [{ mutations: [] }, { mutations: [{ op: 7, key }] }, { mutations: [{ op: 'PUT', key: Buffer.alloc(0) }] }];
    case 'Scan':
    case 'TxnScan':
      return [{ limit: 20_000 }, { start: Buffer.from('b'), end: Buffer.from('a') }, ...ts.map((t) => ({ readTs: t, startTs: t }))];
    case 'CompareAndSwap':
      return [{ key, expected: Buffer.from('x'), expectAbsent: true, value: key }, { key: Buffer.alloc(0) }];
    case 'BeginTxn':
      return ts.map((t) => ({ afterTs: t }));
    case 'TxnCommit':
      return [
        ...ts.map((t) => ({ startTs: t, mutations: [{ op: 'PUT', key, value: key }], requestId: Buffer.from('f') })),
        { startTs: '5', mutations: [{ op: 'PUT', key, value: key }] },
        { startTs: '0', mutations: [] },
      ];
    case 'AddMember':
      return [{ groupId: 1, nodeId: 77, learner: true }, { groupId: 1, nodeId: 77 }, { groupId: 99, nodeId: 2 }];
    case 'PromoteMember':
    case 'RemoveMember':
      return [{ groupId: 1, nodeId: 77 }, { groupId: 99, nodeId: 2 }];
    case 'TransferLeader':
      return [{ groupId: 1, toNodeId: 77 }, { groupId: 99, toNodeId: 2 }];
    case 'SplitRange':
      return [{ splitKey: Buffer.alloc(0) }, { splitKey: big }];
    case 'StartSplitMigration':
      return [{ targetGroup: 99, splitKey: Buffer.from('m') }, { routeId: '1', splitKey: Buffer.from('m'), targetGroup: 2 }];
    case 'GetSplitJob':
    case 'AbandonSplitJob':
    case 'RepairSplitJob':
    case 'WatchSplitJob':
      return [{ jobId: '999' }];
    case 'ListSplitJobs':
      return [{ limit: 5000 }, { phases: ['NOPE'] }];
    case 'VerifyRange':
      return [{ groupId: 99 }, { groupId: 1, start: Buffer.from('b'), end: Buffer.from('a') }];
    default:
      return [];
  }
}

describe('fuzzing every RPC', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 2 });
  });
  afterAll(async () => {
    if (keepLogs) console.error(`fuzz: logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('answers every malformed or hostile request with a typed error; nothing dies, no data, membership, route or clock changes', async () => {
    onTestFailed(() => {
      keepLogs = true;
      console.error(`fuzz: seed ${SEED} (FERRYKV_FUZZ_SEED=${SEED} to replay)`);
    });
    const rand = rng(SEED);
    const db = new FerryClient({ endpoints: [1, 2, 3].map((n) => c.address(n)), timeoutMs: 20_000 });
    for (let i = 0; i < 50; i++) await db.put(`${i % 2 ? 'a' : 'm'}/fz/${i}`, `v${i}`);
    const scan = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const r of db.scan({ start: '' })) out.push(`${Buffer.from(r.key).toString()}=${Buffer.from(r.value).toString()}@${r.versionTs}`);
      return out;
    };
    const before = await scan();
    const membership = async (): Promise<string> => JSON.stringify(await Promise.all([1, 2].map(async (g) => (await c.groupStatus(await c.leaderOf(g), g))?.voters.slice().sort())));
    const membersBefore = await membership();
    const routesBefore = (await c.adminApi(1).listRoutes({})).version;

    const p = protos().packages;
    const methods: MethodDef[] = [];
    for (const [pkg, svc] of [
      ['pub', 'ferrykv.v1.RawKV'],
      ['pub', 'ferrykv.v1.TxnKV'],
      ['pub', 'ferrykv.v1.Routing'],
      ['pub', 'ferrykv.v1.Watch'],
      ['admin', 'ferrykv.admin.v1.Admin'],
      ['internal', 'ferrykv.internal.v1.Internal'],
    ] as const) {
      for (const m of Object.values(p[pkg]![svc] as unknown as Record<string, MethodDef>)) if (!SKIP.has(m.path.slice(1))) methods.push(m);
    }
    const clients = [1, 2, 3].map((n) => new grpc.Client(c.address(n), grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
    const identity = (b: Buffer): Buffer => b;
    const answers: Record<string, number> = {};
    const bad: string[] = [];

    /** Sends raw bytes (one message) to a method; resolves with the error code answered (or 'OK'). */
    const send = (client: grpc.Client, m: MethodDef, payload: Buffer): Promise<string> =>
      new Promise((resolve) => {
        const opts = { deadline: Date.now() + 10_000 };
        const done = (err: grpc.ServiceError | null): void => {
          if (!err) return resolve('OK');
          const raw = err.metadata?.get(ERROR_METADATA_KEY)?.[0];
          resolve(raw instanceof Buffer ? decodeKvError(raw).code : `untyped ${grpc.status[err.code]}: ${err.details}`);
        };
        if (!m.requestStream && !m.responseStream) client.makeUnaryRequest(m.path, identity, identity, payload, opts, (e) => done(e));
        else if (!m.requestStream) {
          const call = client.makeServerStreamRequest(m.path, identity, identity, payload, opts);
          call.on('data', () => call.cancel());
          call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve('OK') : done(e)));
          call.on('end', () => resolve('OK'));
        } else if (!m.responseStream) {
          const call = client.makeClientStreamRequest(m.path, identity, identity, opts, (e) => done(e));
          call.write(payload);
          call.end();
        } else {
          const call = client.makeBidiStreamRequest(m.path, identity, identity, opts);
          call.on('data', () => {});
          call.on('error', (e: grpc.ServiceError) => done(e));
          call.on('end', () => resolve('OK'));
          call.write(payload);
          call.end();
        }
      });

    const decodes = (m: MethodDef, b: Buffer): boolean => {
      try {
        m.requestDeserialize(b);
        return true;
      } catch {
        return false;
      }
    };
    /** Random bytes, a truncated or wire-type-flipped valid message: kept only if it does not decode. */
    const malformed = (m: MethodDef): Buffer | undefined => {
      const kind = Math.floor(rand() * 3);
      let b: Buffer;
      if (kind === 0) b = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      else {
        const valid = m.requestSerialize({ key: Buffer.from('a/valid-key'), start: Buffer.from('a'), groupId: 1, nodeId: 2, ops: [{ id: 1, get: { key: Buffer.from('a') } }] });
        b = Buffer.from(valid);
        if (b.length === 0) return undefined;
        if (kind === 1) b = b.subarray(0, Math.max(1, Math.floor(rand() * b.length)));
        else b[0] = (b[0]! & 0xf8) | (3 + Math.floor(rand() * 5)); // a wire type the field does not have
      }
      return decodes(m, b) ? undefined : b;
    };

    const until = Date.now() + FUZZ_MS;
    let sent = 0;
    while (Date.now() < until) {
      const m = methods[Math.floor(rand() * methods.length)]!;
      const name = m.path.slice(m.path.lastIndexOf('/') + 1);
      const crafted = hostile(name);
      const useHostile = crafted.length > 0 && rand() < 0.5;
      const payload = useHostile ? Buffer.from(m.requestSerialize(crafted[Math.floor(rand() * crafted.length)])) : malformed(m);
      if (!payload) continue;
      const node = Math.floor(rand() * 3);
      const code = await send(clients[node]!, m, payload);
      sent++;
      answers[code] = (answers[code] ?? 0) + 1;
      const ok = code !== 'OK' && code !== 'INTERNAL' && !code.startsWith('untyped');
      // A server stream that the client cancels after its first message ends 'OK' (WatchRoutes answers any request with the catalog).
      if (!ok && !(code === 'OK' && m.responseStream && !m.requestStream && !useHostile)) bad.push(`${m.path} via node ${node + 1} (${useHostile ? 'hostile' : 'malformed'} ${payload.toString('hex').slice(0, 80)}): ${code}`);
    }
    for (const cl of clients) cl.close();
    console.log(`fuzz: ${sent} requests over ${methods.length} methods, answers ${JSON.stringify(answers)}`);
    expect(sent).toBeGreaterThan(200);
    expect(bad.slice(0, 10)).toEqual([]);

    // Nothing died, nothing changed, every clock is where it belongs.
    for (const n of [1, 2, 3]) expect(c.isUp(n), `node ${n} is up`).toBe(true);
    await c.waitForLeaders([1, 2, 3]);
    expect(await scan()).toEqual(before);
    expect(await membership()).toBe(membersBefore);
    expect((await c.adminApi(1).listRoutes({})).version).toBe(routesBefore);
    for (const [i, key] of ['a/fz/after', 'm/fz/after'].entries()) {
      const ts = await db.put(key, 'x');
      const ahead = Number(ts >> 16n) - Date.now();
      expect(ahead, `group ${i + 1}'s clock is within the drift bound`).toBeLessThan(500);
    }
    for (const n of [1, 2, 3]) {
      const one = new FerryClient({ endpoints: [c.address(n)], timeoutMs: 10_000, routing: 'off' });
      const tx = await one.begin();
      expect(Number(tx.startTs >> 16n) - Date.now(), `node ${n}'s clock`).toBeLessThan(500);
      tx.rollback();
      one.close();
    }
    db.close();
  }, 120_000);
});
