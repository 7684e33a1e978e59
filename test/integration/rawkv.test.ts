// RawKV on a real 3-node cluster with 3 groups (routes ["", "h") → 1,
// ["h", "p") → 2, ["p", +∞) → 3): every operation through every node, in
// every group; linearizable reads; the input limits. One cluster for the
// whole file; every acknowledged write goes into a model (test/integration/
// model.ts) and the last test compares a full scan of each node with it.

import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import { KvError, decodeKvError } from '../../src/api/errors.js';
import { TestCluster, enc, retry, type KvApi } from '../../testkit/cluster.js';
import { KvModel } from './model.js';

const NODES = [1, 2, 3] as const;
/** One key prefix per group. */
const PREFIX = { 1: 'a', 2: 'k', 3: 't' } as const;
const GROUPS = [1, 2, 3] as const;

const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
/** Binary keys as latin1 strings (one char per byte), as the model keeps them. */
const bin = (s: string): Buffer => Buffer.from(s, 'latin1');
const unbin = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const hlcAt = (ms: number): string => (BigInt(ms) << 16n).toString();

let c: TestCluster;
let keepLogs = process.env.FERRYKV_IT_KEEP_LOGS === '1';
const model = new KvModel();

function api(id: number): KvApi {
  return c.api(id);
}

/** A put that must succeed (retrying transient errors), recorded in the model. */
async function put(node: number, key: string, value: string): Promise<bigint> {
  const res = await retry(() => api(node).put({ key: enc(key), value: enc(value) }));
  model.put(key, value, res.commitTs);
  return BigInt(res.commitTs);
}

async function expectInvalid(p: Promise<unknown>, field: string): Promise<KvError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected INVALID_ARGUMENT on ${field}, but the call succeeded`).toBeInstanceOf(KvError);
  const e = err as KvError;
  expect({ code: e.code, field: e.detail.field }, e.message).toEqual({ code: 'INVALID_ARGUMENT', field });
  return e;
}

/** The node still serves writes and linearizable reads. */
async function stillServes(node: number, tag: string): Promise<void> {
  const key = `${PREFIX[((node % 3) + 1) as 1 | 2 | 3]}/alive/${tag}`;
  const ts = await put(node, key, tag);
  const got = await api(node).get({ key: enc(key) });
  expect({ found: got.found, value: str(got.value), ts: got.versionTs }).toEqual({ found: true, value: tag, ts: ts.toString() });
}

/**
 * Delays raft traffic n → n+1 (test hook) until the end of the current test,
 * so in every group one follower learns of each commit well after the
 * client's acknowledgement: a read it served from local state without a read
 * index would be stale.
 */
async function lagOneFollowerPerGroup(delayMs = 40): Promise<void> {
  for (const n of NODES) await c.adminApi(n).setFaults({ faults: [{ nodeId: (n % 3) + 1, drop: 0, delayMs }] });
  onTestFinished(async () => {
    for (const n of NODES) await c.adminApi(n).setFaults({ faults: [] });
  });
}

describe('RawKV on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
  });

  afterAll(async () => {
    if (keepLogs) console.error(`rawkv: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  const keepOnFailure = (): void => onTestFailed(() => void (keepLogs = true));

  it('writes and reads through any node succeed, in all three groups', async () => {
    keepOnFailure();
    const written: { key: string; value: string; ts: bigint }[] = [];
    for (const node of NODES) {
      for (const g of GROUPS) {
        const key = `${PREFIX[g]}/basic/n${node}`;
        const value = `written via node ${node} into group ${g}`;
        written.push({ key, value, ts: await put(node, key, value) });
      }
    }
    for (const w of written) {
      for (const node of NODES) {
        const got = await api(node).get({ key: enc(w.key) });
        expect({ node, key: w.key, found: got.found, value: str(got.value), ts: got.versionTs }).toEqual({
          node,
          key: w.key,
          found: true,
          value: w.value,
          ts: w.ts.toString(),
        });
      }
    }
    // Delete through one node; every node sees it gone.
    for (const g of GROUPS) {
      const key = `${PREFIX[g]}/basic/n1`;
      const res = await api(((g % 3) + 1) as 1 | 2 | 3).delete({ key: enc(key) });
      model.del(key, res.commitTs);
      for (const node of NODES) expect((await api(node).get({ key: enc(key) })).found, `${key} via node ${node}`).toBe(false);
    }
    // A key never written is not found, with version 0.
    const missing = await api(2).get({ key: enc('k/never-written') });
    expect({ found: missing.found, ts: missing.versionTs }).toEqual({ found: false, ts: '0' });
  });

  it('a read started after a write was acknowledged sees it, through any node (sequential rounds, one lagging follower per group)', async () => {
    keepOnFailure();
    await lagOneFollowerPerGroup();
    const keys = GROUPS.map((g) => `${PREFIX[g]}/lin/seq`);
    for (let round = 0; round < 60; round++) {
      const key = keys[round % 3]!;
      const writer = NODES[round % 3]!;
      const value = `round ${round}`;
      const ts = await put(writer, key, value);
      // Read through both other nodes, right after the acknowledgement.
      for (const reader of NODES.filter((n) => n !== writer)) {
        const got = await api(reader).get({ key: enc(key) });
        expect({ round, reader, value: str(got.value), ts: got.versionTs }).toEqual({ round, reader, value, ts: ts.toString() });
      }
    }
  });

  it('concurrent writers and readers: no read returns a version older than one acknowledged before it began', async () => {
    keepOnFailure();
    await lagOneFollowerPerGroup();
    const keys = GROUPS.map((g) => `${PREFIX[g]}/lin/conc`);
    const WRITERS_PER_KEY = 2;
    const WRITES_PER_WRITER = 40;
    // Per key: highest commit ts acknowledged so far, and every acknowledged (ts → value).
    const ackedMax = new Map<string, bigint>(keys.map((k) => [k, 0n]));
    const acked = new Map<string, Map<string, string>>(keys.map((k) => [k, new Map()]));
    const reads: { key: string; node: number; floor: bigint; ts: bigint; value: string; found: boolean }[] = [];
    let writersLeft = keys.length * WRITERS_PER_KEY;

    const writer = async (key: string, w: number): Promise<void> => {
      for (let i = 0; i < WRITES_PER_WRITER; i++) {
        const node = NODES[(w + i) % 3]!;
        const value = `${key}#w${w}#${i}`;
        const res = await retry(() => api(node).put({ key: enc(key), value: enc(value) }));
        const ts = BigInt(res.commitTs);
        acked.get(key)!.set(ts.toString(), value);
        if (ts > ackedMax.get(key)!) ackedMax.set(key, ts);
        model.put(key, value, ts);
      }
      writersLeft--;
    };
    const reader = async (r: number): Promise<void> => {
      // While the writers run, and until this reader made 40 reads with a floor.
      let withFloor = 0;
      for (let i = 0; writersLeft > 0 || withFloor < 40; i++) {
        const key = keys[(r + i) % keys.length]!;
        const node = NODES[(r * 7 + i) % 3]!;
        const floor = ackedMax.get(key)!;
        const got = await retry(() => api(node).get({ key: enc(key) }));
        reads.push({ key, node, floor, ts: BigInt(got.versionTs), value: str(got.value), found: got.found });
        if (floor > 0n) withFloor++;
      }
    };
    const writers = keys.flatMap((k) => Array.from({ length: WRITERS_PER_KEY }, (_, w) => writer(k, w)));
    const readers = Array.from({ length: 4 }, (_, r) => reader(r));
    await Promise.all([...writers, ...readers]);

    const stale = reads.filter((r) => r.floor > 0n && (!r.found || r.ts < r.floor));
    const phantom = reads.filter((r) => r.found && acked.get(r.key)!.get(r.ts.toString()) !== r.value);
    const checked = reads.filter((r) => r.floor > 0n).length;
    console.log(`rawkv: ${reads.length} concurrent reads (${checked} with an acknowledged floor), ${[...acked.values()].reduce((n, m) => n + m.size, 0)} writes`);
    expect(stale, 'reads older than a write acknowledged before they began').toEqual([]);
    expect(phantom, 'reads returning a value no acknowledged write wrote at that version').toEqual([]);
    // Enough reads had a floor to check against (each reader made 40 such reads).
    expect(checked).toBeGreaterThanOrEqual(160);
    // Every write was applied once: the number of distinct commit timestamps is the number of writes.
    for (const k of keys) expect(acked.get(k)!.size).toBe(WRITERS_PER_KEY * WRITES_PER_WRITER);
  });

  it('BatchWrite applies atomically within one route, through a follower', async () => {
    keepOnFailure();
    for (const g of GROUPS) {
      const leader = await c.leaderOf(g);
      const via = NODES.find((n) => n !== leader)!;
      const gone = `${PREFIX[g]}/basic/n2`;
      const res = await api(via).batchWrite({
        mutations: [
          { op: 'PUT', key: enc(`${PREFIX[g]}/bw/1`), value: enc(`bw1-${g}`) },
          { op: 'PUT', key: enc(`${PREFIX[g]}/bw/2`), value: enc(`bw2-${g}`) },
          { op: 'DELETE', key: enc(gone) },
        ],
        requestId: enc(`bw-${g}`),
      });
      model.put(`${PREFIX[g]}/bw/1`, `bw1-${g}`, res.commitTs);
      model.put(`${PREFIX[g]}/bw/2`, `bw2-${g}`, res.commitTs);
      model.del(gone, res.commitTs);
      const got = await api(leader).batchGet({ keys: [enc(`${PREFIX[g]}/bw/1`), enc(gone), enc(`${PREFIX[g]}/bw/2`)] });
      // One commit timestamp for the whole batch; the deleted key is absent.
      expect(got.pairs.map((p) => ({ key: str(p.key), value: str(p.value), ts: p.versionTs }))).toEqual([
        { key: `${PREFIX[g]}/bw/1`, value: `bw1-${g}`, ts: res.commitTs },
        { key: `${PREFIX[g]}/bw/2`, value: `bw2-${g}`, ts: res.commitTs },
      ]);
    }
  });

  it('Scan across groups: forward, reverse, limit and more, matching the model', async () => {
    keepOnFailure();
    // Keys on both sides of both route boundaries ("h" and "p"), written one BatchWrite per route.
    const perRoute: Record<1 | 2 | 3, string[]> = {
      1: ['g/sc/0', 'g/sc/1', 'g/sc/2', 'gz/sc'],
      2: ['h', 'h/sc/0', 'h/sc/1', 'o/sc/0', 'oz/sc'],
      3: ['p', 'p/sc/0', 'p/sc/1', 'q/sc/0'],
    };
    for (const g of GROUPS) {
      const muts = perRoute[g].map((k) => ({ op: 'PUT' as const, key: enc(k), value: enc(`v:${k}`) }));
      const res = await retry(() => api(g).batchWrite({ mutations: muts }));
      for (const k of perRoute[g]) model.put(k, `v:${k}`, res.commitTs);
    }
    const start = 'g/sc/';
    const end = 'q/sc/1';
    const want = model.entries(start, end);
    expect(want.length).toBeGreaterThan(12); // includes other tests' "k/..." keys of group 2
    const view = (pairs: { key: Buffer; value: Buffer; versionTs: string }[]): { key: string; value: string; ts: string }[] =>
      pairs.map((p) => ({ key: str(p.key), value: str(p.value), ts: p.versionTs }));
    const wantView = want.map((e) => ({ key: e.key, value: e.value, ts: e.ts.toString() }));

    for (const node of NODES) {
      const fwd = await api(node).scan({ start: enc(start), end: enc(end) });
      expect(view(fwd.pairs), `forward scan via node ${node}`).toEqual(wantView);
      expect(fwd.more).toBe(false);
      const rev = await api(node).scan({ start: enc(start), end: enc(end), reverse: true });
      expect(view(rev.pairs), `reverse scan via node ${node}`).toEqual([...wantView].reverse());
      expect(rev.more).toBe(false);
    }
    // Limits that stop inside each group and exactly at the end.
    for (const limit of [1, 3, 5, 9, want.length - 1, want.length, want.length + 1]) {
      const node = NODES[limit % 3]!;
      const fwd = await api(node).scan({ start: enc(start), end: enc(end), limit });
      expect(view(fwd.pairs), `forward limit ${limit}`).toEqual(wantView.slice(0, limit));
      expect(fwd.more, `forward limit ${limit}: more`).toBe(limit < want.length);
      const rev = await api(node).scan({ start: enc(start), end: enc(end), limit, reverse: true });
      expect(view(rev.pairs), `reverse limit ${limit}`).toEqual([...wantView].reverse().slice(0, limit));
      expect(rev.more, `reverse limit ${limit}: more`).toBe(limit < want.length);
    }
    // Paging with `more` visits every key exactly once, both ways.
    const pagedFwd: string[] = [];
    for (let from = start, more = true, page = 0; more; page++) {
      const r = await api(NODES[page % 3]!).scan({ start: enc(from), end: enc(end), limit: 4 });
      pagedFwd.push(...r.pairs.map((p) => str(p.key)));
      more = r.more;
      if (more) from = `${str(r.pairs[r.pairs.length - 1]!.key)}\0`;
      expect(page).toBeLessThan(100);
    }
    expect(pagedFwd).toEqual(want.map((e) => e.key));
    const pagedRev: string[] = [];
    for (let to = end, more = true, page = 0; more; page++) {
      const r = await api(NODES[page % 3]!).scan({ start: enc(start), end: enc(to), limit: 4, reverse: true });
      pagedRev.push(...r.pairs.map((p) => str(p.key)));
      more = r.more;
      if (more) to = str(r.pairs[r.pairs.length - 1]!.key);
      expect(page).toBeLessThan(100);
    }
    expect(pagedRev).toEqual(want.map((e) => e.key).reverse());
    // Open-ended ranges: from a route start to +∞, and from −∞.
    const tail = await api(2).scan({ start: enc('p') });
    expect(view(tail.pairs)).toEqual(model.entries('p').map((e) => ({ key: e.key, value: e.value, ts: e.ts.toString() })));
    const head = await api(3).scan({ end: enc('h/sc/1') });
    expect(view(head.pairs)).toEqual(model.entries('', 'h/sc/1').map((e) => ({ key: e.key, value: e.value, ts: e.ts.toString() })));
  });

  it('binary keys (0x00, 0xff bytes) sort in byte order across a route boundary', async () => {
    keepOnFailure();
    // Around the "h" boundary: 'g\xff…' is in group 1, 'h\x00…' in group 2.
    const keys = ['g\xff', 'g\xff\x00', 'g\xff\xff', 'g\xff\xff\xff', 'h\x00', 'h\x00\x00', 'h\x00\xff', 'h\x01', 'h\xff\x00'];
    for (const [i, k] of keys.entries()) {
      const res = await retry(() => api(NODES[i % 3]!).put({ key: bin(k), value: enc(`bin${i}`) }));
      model.put(k, `bin${i}`, res.commitTs);
    }
    const start = 'g\xff';
    const end = 'h\x01';
    const want = model.entries(start, end).map((e) => ({ key: e.key, value: e.value, ts: e.ts.toString() }));
    expect(want.filter((e) => keys.includes(e.key)).length).toBe(7);
    for (const node of NODES) {
      const fwd = await api(node).scan({ start: bin(start), end: bin(end) });
      expect(fwd.pairs.map((p) => ({ key: unbin(p.key), value: str(p.value), ts: p.versionTs })), `forward via node ${node}`).toEqual(want);
      const rev = await api(node).scan({ start: bin(start), end: bin(end), reverse: true, limit: 4 });
      expect(rev.pairs.map((p) => unbin(p.key)), `reverse via node ${node}`).toEqual(want.map((e) => e.key).reverse().slice(0, 4));
      expect(rev.more).toBe(true);
    }
    const got = await api(2).batchGet({ keys: ['h\x00\xff', 'g\xff\x00', 'h\x00\x01'].map(bin) });
    expect(got.pairs.map((p) => unbin(p.key))).toEqual(['h\x00\xff', 'g\xff\x00']);
  });

  it('BatchGet across groups returns the found keys in the order requested', async () => {
    keepOnFailure();
    const ask = ['t/lin/seq', 'a/missing', 'g/sc/1', 'k/lin/seq', 'zzz/missing', 'a/lin/seq', 'h', 'p/sc/1', 'k/missing'];
    for (const node of NODES) {
      const got = await api(node).batchGet({ keys: ask.map(enc) });
      const want = ask.flatMap((k) => {
        const e = model.get(k);
        return e ? [{ key: k, value: e.value, ts: e.ts.toString() }] : [];
      });
      expect(want.length).toBe(6);
      expect(got.pairs.map((p) => ({ key: str(p.key), value: str(p.value), ts: p.versionTs })), `via node ${node}`).toEqual(want);
    }
  });

  it('CompareAndSwap: match, mismatch returns the current value, expect_absent', async () => {
    keepOnFailure();
    for (const g of GROUPS) {
      const key = enc(`${PREFIX[g]}/cas`);
      const via = (i: number): KvApi => api(NODES[(g + i) % 3]!);
      // Absent key: expect_absent succeeds.
      const first = await via(0).compareAndSwap({ key, expectAbsent: true, value: enc('one') });
      expect(first.succeeded).toBe(true);
      expect(BigInt(first.commitTs)).toBeGreaterThan(0n);
      model.put(`${PREFIX[g]}/cas`, 'one', first.commitTs);
      // Present key: expect_absent fails and reports the current value.
      const again = await via(1).compareAndSwap({ key, expectAbsent: true, value: enc('two') });
      expect({ ok: again.succeeded, found: again.currentFound, current: str(again.current) }).toEqual({ ok: false, found: true, current: 'one' });
      // Mismatch: fails, reports the current value, writes nothing.
      const wrong = await via(2).compareAndSwap({ key, expected: enc('not-one'), value: enc('three') });
      expect({ ok: wrong.succeeded, found: wrong.currentFound, current: str(wrong.current) }).toEqual({ ok: false, found: true, current: 'one' });
      const still = await via(0).get({ key });
      expect({ value: str(still.value), ts: still.versionTs }).toEqual({ value: 'one', ts: first.commitTs });
      // Match: succeeds with a later commit timestamp.
      const match = await via(1).compareAndSwap({ key, expected: enc('one'), value: enc('four') });
      expect(match.succeeded).toBe(true);
      expect(BigInt(match.commitTs)).toBeGreaterThan(BigInt(first.commitTs));
      model.put(`${PREFIX[g]}/cas`, 'four', match.commitTs);
      const now = await via(2).get({ key });
      expect({ value: str(now.value), ts: now.versionTs }).toEqual({ value: 'four', ts: match.commitTs });
      // Expecting a value on an absent key fails with current_found false.
      const absent = await via(0).compareAndSwap({ key: enc(`${PREFIX[g]}/cas-absent`), expected: enc('x'), value: enc('y') });
      expect({ ok: absent.succeeded, found: absent.currentFound }).toEqual({ ok: false, found: false });
      expect((await via(1).get({ key: enc(`${PREFIX[g]}/cas-absent`) })).found).toBe(false);
      // A deleted key counts as absent.
      const del = await via(1).delete({ key });
      model.del(`${PREFIX[g]}/cas`, del.commitTs);
      const revived = await via(2).compareAndSwap({ key, expectAbsent: true, value: enc('five') });
      expect(revived.succeeded).toBe(true);
      model.put(`${PREFIX[g]}/cas`, 'five', revived.commitTs);
      // An empty value is a value, not an absence.
      const emptyKey = `${PREFIX[g]}/cas-empty`;
      const e0 = await via(2).put({ key: enc(emptyKey), value: Buffer.alloc(0) });
      model.put(emptyKey, '', e0.commitTs);
      const e1 = await via(0).get({ key: enc(emptyKey) });
      expect({ found: e1.found, len: e1.value.byteLength, ts: e1.versionTs }).toEqual({ found: true, len: 0, ts: e0.commitTs });
      const notAbsent = await via(1).compareAndSwap({ key: enc(emptyKey), expectAbsent: true, value: enc('z') });
      expect({ ok: notAbsent.succeeded, found: notAbsent.currentFound, len: notAbsent.current.byteLength }).toEqual({ ok: false, found: true, len: 0 });
      const fromEmpty = await via(2).compareAndSwap({ key: enc(emptyKey), expected: Buffer.alloc(0), value: enc('filled') });
      expect(fromEmpty.succeeded).toBe(true);
      model.put(emptyKey, 'filled', fromEmpty.commitTs);
    }
  });

  it('DeleteRange across groups deletes exactly [start, end), in chunks, through a follower', async () => {
    keepOnFailure();
    // 1 200 keys in group 2 (more than one 1 000-key chunk), a few in groups 1 and 3.
    const many = Array.from({ length: 1200 }, (_, i) => `m/dr/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < many.length; i += 400) {
      const slice = many.slice(i, i + 400);
      const res = await retry(() => api(1).batchWrite({ mutations: slice.map((k) => ({ op: 'PUT' as const, key: enc(k), value: enc(k) })) }));
      for (const k of slice) model.put(k, k, res.commitTs);
    }
    for (const k of ['f/dr', 'f/dr/0', 'f/dr/1', 'r/dr/0', 'r/dr/1', 'r/dr/~', 'r/dr/~~']) await put(2, k, k);
    const start = 'f/dr/';
    const end = 'r/dr/~';
    const expected = model.entries(start, end).length;
    expect(expected).toBeGreaterThan(1200);
    const leader2 = await c.leaderOf(2);
    const via = NODES.find((n) => n !== leader2)!;
    const res = await api(via).deleteRange({ start: enc(start), end: enc(end), requestId: enc('dr-1') }, 30_000);
    expect(Number(res.deleted)).toBe(expected);
    expect(BigInt(res.commitTs)).toBeGreaterThan(0n);
    model.deleteRange(start, end, res.commitTs);
    for (const node of NODES) {
      const left = await api(node).scan({ start: enc(start), end: enc(end) });
      expect(left.pairs.map((p) => str(p.key)), `keys left in the range via node ${node}`).toEqual([]);
    }
    // The bounds: start inclusive, end exclusive; keys just outside survive.
    const edges = await api(3).batchGet({ keys: ['f/dr', 'f/dr/0', 'r/dr/1', 'r/dr/~', 'r/dr/~~'].map(enc) });
    expect(edges.pairs.map((p) => str(p.key))).toEqual(['f/dr', 'r/dr/~', 'r/dr/~~']);
    // An empty range deletes nothing.
    const none = await api(1).deleteRange({ start: enc(start), end: enc(end) });
    expect(Number(none.deleted)).toBe(0);
  });

  it('inputs exactly at the limits are accepted, through leaders and followers', async () => {
    keepOnFailure();
    const key4096 = `a/${'k'.repeat(4094)}`;
    const value4m = 'v'.repeat(4 * 1024 * 1024);
    const rid64 = (tag: string): Buffer => enc(tag.padEnd(64, '.'));
    for (const node of NODES) {
      const r1 = await api(node).put({ key: enc(key4096), value: enc(`n${node}`), requestId: rid64(`put-key-${node}`) });
      model.put(key4096, `n${node}`, r1.commitTs);
      expect(str((await api(node).get({ key: enc(key4096) })).value)).toBe(`n${node}`);
    }
    const big = await api(2).put({ key: enc('k/big'), value: enc(value4m) }, 30_000);
    model.put('k/big', value4m, big.commitTs);
    const gotBig = await api(3).get({ key: enc('k/big') }, 30_000);
    expect(gotBig.value.byteLength).toBe(4 * 1024 * 1024);
    expect(gotBig.value.equals(enc(value4m))).toBe(true);
    // 64-byte request ids on every write method, through every node (a follower forwards them).
    for (const node of NODES) {
      const g = PREFIX[((node % 3) + 1) as 1 | 2 | 3];
      const d = await api(node).delete({ key: enc(`${g}/bw/1`), requestId: rid64(`del-${node}`) });
      model.del(`${g}/bw/1`, d.commitTs);
      const cas = await api(node).compareAndSwap({ key: enc(`${g}/rid64`), expectAbsent: true, value: enc('x'), requestId: rid64(`cas-${node}`) });
      expect(cas.succeeded).toBe(true);
      model.put(`${g}/rid64`, 'x', cas.commitTs);
      const bw = await api(node).batchWrite({ mutations: [{ op: 'PUT', key: enc(`${g}/rid64b`), value: enc('y') }], requestId: rid64(`bw-${node}`) });
      model.put(`${g}/rid64b`, 'y', bw.commitTs);
      const dr = await api(node).deleteRange({ start: enc(`${g}/rid64b`), end: enc(`${g}/rid64c`), requestId: rid64(`dr-${node}`) });
      expect(Number(dr.deleted)).toBe(1);
      model.deleteRange(`${g}/rid64b`, `${g}/rid64c`, dr.commitTs);
    }
    const scan = await api(1).scan({ limit: 10_000 });
    expect(scan.pairs.length).toBe(model.entries().length);
    // A snapshot read at an older timestamp sees the older version.
    const t1 = await put(1, 't/snap', 'old');
    await put(2, 't/snap', 'new');
    const old = await api(3).get({ key: enc('t/snap'), readTs: t1.toString() });
    expect({ value: str(old.value), ts: old.versionTs }).toEqual({ value: 'old', ts: t1.toString() });
    const before = await api(3).get({ key: enc('t/snap'), readTs: (t1 - 1n).toString() });
    expect(before.found).toBe(false);
    // A read at a timestamp slightly ahead (within the allowed drift) closes
    // that timestamp: a later write, through any node, commits above it, and
    // the read at that timestamp is repeatable.
    for (const [i, g] of GROUPS.entries()) {
      const key = `${PREFIX[g]}/closed-ts`;
      await put(NODES[i]!, key, 'before');
      const readTs = hlcAt(Date.now() + 300);
      const first = await api(NODES[(i + 1) % 3]!).get({ key: enc(key), readTs });
      expect(str(first.value)).toBe('before');
      const w = await put(NODES[(i + 2) % 3]!, key, 'after');
      expect(w, `group ${g}: a write after a read at ${readTs} commits above it`).toBeGreaterThan(BigInt(readTs));
      const again = await api(NODES[i]!).get({ key: enc(key), readTs });
      expect({ value: str(again.value), ts: again.versionTs }, `group ${g}: repeatable read at ${readTs}`).toEqual({ value: 'before', ts: first.versionTs });
    }
  });

  it('20,000 puts in one Batch message: every one answered at once — applied, or OVERLOADED with a retry hint — none left to time out', async () => {
    keepOnFailure();
    const n = 20_000;
    const key = (i: number): string => `k/burst/${String(i).padStart(5, '0')}`;
    const stream = c.kv(1).batch();
    const results = await new Promise<{ id: number; response?: string; write?: { commitTs: string }; error?: Buffer }[]>((resolve, reject) => {
      const got: { id: number; response?: string; write?: { commitTs: string }; error?: Buffer }[] = [];
      stream.on('data', (r: { results: typeof got }) => {
        got.push(...r.results);
        if (got.length >= n) stream.end();
      });
      stream.on('end', () => resolve(got));
      stream.on('error', reject);
      stream.write({ ops: Array.from({ length: n }, (_, i) => ({ id: i + 1, put: { key: enc(key(i)), value: enc('b'), requestId: enc(`burst-${i}`) } })) });
    });
    expect(results.length).toBe(n);
    let overloaded = 0;
    const unsure: number[] = [];
    for (const r of results) {
      if (r.response === 'write') model.put(key(r.id - 1), 'b', r.write!.commitTs);
      else {
        const e = decodeKvError(r.error!);
        // On a loaded machine the burst can cost a leader its lease mid-flight:
        // UNAVAILABLE ("it may still commit: retry with the same request id") is
        // a prompt, honest answer too. Never DEADLINE_EXCEEDED: none is left to time out.
        if (e.code === 'UNAVAILABLE') {
          unsure.push(r.id);
          continue;
        }
        expect(e.code, e.message).toBe('OVERLOADED');
        expect(e.detail.retryAfterMs).toBeGreaterThan(0);
        overloaded++;
      }
    }
    // The node bounds the work it takes (2,048 per stream): the rest is refused, never started.
    expect(overloaded).toBeGreaterThan(n / 2);
    expect(n - overloaded - unsure.length).toBeGreaterThan(0);
    // Settle each unsure put as a client would: the same request id applies it at most once.
    for (const id of unsure) {
      const res = await retry(() => api(1).put({ key: enc(key(id - 1)), value: enc('b'), requestId: enc(`burst-${id - 1}`) }));
      model.put(key(id - 1), 'b', res.commitTs);
    }
    expect(str((await api(1).get({ key: enc(key(0)) })).value)).toBe('b');
  }, 60_000);

  it('bad input returns INVALID_ARGUMENT naming the field, and the node keeps serving', async () => {
    keepOnFailure();
    const cases: { name: string; field: string; call: (a: KvApi) => Promise<unknown>; notWritten?: string[] }[] = [
      { name: 'empty key (Put)', field: 'key', call: (a) => a.put({ key: Buffer.alloc(0), value: enc('x') }) },
      { name: 'empty key (Get)', field: 'key', call: (a) => a.get({ key: Buffer.alloc(0) }) },
      { name: 'empty key (CompareAndSwap)', field: 'key', call: (a) => a.compareAndSwap({ key: Buffer.alloc(0), expectAbsent: true, value: enc('x') }) },
      { name: 'key > 4096 bytes (Put)', field: 'key', call: (a) => a.put({ key: enc(`a/${'k'.repeat(4095)}`), value: enc('x') }) },
      { name: 'key > 4096 bytes (Get)', field: 'key', call: (a) => a.get({ key: enc(`k/${'k'.repeat(4095)}`) }) },
      {
        name: 'value > 4 MiB',
        field: 'value',
        call: (a) => a.put({ key: enc('t/too-big'), value: Buffer.alloc(4 * 1024 * 1024 + 1, 0x61) }, 30_000),
        notWritten: ['t/too-big'],
      },
      { name: 'inverted range (Scan)', field: 'end', call: (a) => a.scan({ start: enc('t'), end: enc('b') }) },
      { name: 'empty range start = end (Scan)', field: 'end', call: (a) => a.scan({ start: enc('k/x'), end: enc('k/x') }) },
      { name: 'inverted range (DeleteRange)', field: 'end', call: (a) => a.deleteRange({ start: enc('t'), end: enc('b') }) },
      { name: 'empty range start = end (DeleteRange)', field: 'end', call: (a) => a.deleteRange({ start: enc('a/lin/seq'), end: enc('a/lin/seq') }) },
      { name: 'scan limit > 10000', field: 'limit', call: (a) => a.scan({ start: enc('a'), limit: 10_001 }) },
      {
        name: 'BatchWrite spanning two routes',
        field: 'mutations',
        call: (a) =>
          a.batchWrite({
            mutations: [
              { op: 'PUT', key: enc('a/cross'), value: enc('x') },
              { op: 'PUT', key: enc('k/cross'), value: enc('y') },
            ],
          }),
        notWritten: ['a/cross', 'k/cross'],
      },
      {
        name: 'request_id > 64 bytes (Put)',
        field: 'request_id',
        call: (a) => a.put({ key: enc('k/rid65'), value: enc('x'), requestId: Buffer.alloc(65, 0x72) }),
        notWritten: ['k/rid65'],
      },
      {
        name: 'request_id > 64 bytes (DeleteRange)',
        field: 'request_id',
        call: (a) => a.deleteRange({ start: enc('a'), end: enc('b'), requestId: Buffer.alloc(65, 0x72) }),
      },
      { name: 'read_ts an hour in the future (Get)', field: 'read_ts', call: (a) => a.get({ key: enc('a/lin/seq'), readTs: hlcAt(Date.now() + 3_600_000) }) },
      { name: 'read_ts an hour in the future (Scan)', field: 'read_ts', call: (a) => a.scan({ start: enc('a'), readTs: hlcAt(Date.now() + 3_600_000) }) },
      { name: 'empty BatchGet keys', field: 'keys', call: (a) => a.batchGet({ keys: [] }) },
    ];
    let i = 0;
    for (const tc of cases) {
      const node = NODES[i++ % 3]!;
      const e = await expectInvalid(tc.call(api(node)), tc.field);
      expect(e.message.length, tc.name).toBeGreaterThan(0);
      for (const k of tc.notWritten ?? []) expect((await api(node).get({ key: enc(k) })).found, `${tc.name}: ${k} must not be written`).toBe(false);
      await stillServes(node, `after-${i}`);
    }
  });

  it('every node holds exactly the acknowledged state (full scan = model)', async () => {
    keepOnFailure();
    const want = model.entries().map((e) => ({ key: e.key, value: e.value, ts: e.ts.toString() }));
    for (const node of NODES) {
      // Page through (a scan returns at most 10,000 rows).
      const pairs: { key: Buffer; value: Buffer; versionTs: string }[] = [];
      for (let start = Buffer.alloc(0); ; ) {
        const page = await api(node).scan({ start, limit: 10_000 }, 30_000);
        pairs.push(...page.pairs);
        if (!page.more) break;
        start = Buffer.concat([page.pairs[page.pairs.length - 1]!.key, Buffer.of(0)]);
      }
      const view = pairs.map((p) => ({ key: unbin(p.key), value: str(p.value), ts: p.versionTs }));
      expect(view.length, `via node ${node}`).toBe(want.length);
      expect(view, `via node ${node}`).toEqual(want);
    }
  });
});
