import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '../../src/etcd/envelope.js';
import { EtcdError } from '../../src/etcd/errors.js';
import { checkTxn, evalCompare, execDelete, execPut, execRange, execTxn } from '../../src/etcd/exec.js';
import { DATA_END, storeKey, storeRange } from '../../src/etcd/keys.js';
import { PENDING, TxnView, decodeRow } from '../../src/etcd/view.js';
import type { Compare__Output } from '../../src/proto-gen/etcdserverpb/Compare.js';
import type { RangeRequest__Output } from '../../src/proto-gen/etcdserverpb/RangeRequest.js';
import type { RequestOp__Output } from '../../src/proto-gen/etcdserverpb/RequestOp.js';
import type { TxnRequest__Output } from '../../src/proto-gen/etcdserverpb/TxnRequest.js';
import { Harness, rangeReq } from './memory-store.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (u: Uint8Array): string => Buffer.from(u).toString();
const noLeases = (): Promise<boolean> => Promise.resolve(false);

const putReq = (key: string, value: string, o: { prevKv?: boolean; ignoreValue?: boolean; ignoreLease?: boolean; lease?: string } = {}) => ({
  key: b(key),
  value: b(value),
  lease: o.lease ?? '0',
  prevKv: o.prevKv ?? false,
  ignoreValue: o.ignoreValue ?? false,
  ignoreLease: o.ignoreLease ?? false,
});
const delReq = (key: string, rangeEnd = '', prevKv = false) => ({ key: b(key), rangeEnd: b(rangeEnd), prevKv });
const cmp = (key: string, target: Compare__Output['target'], result: Compare__Output['result'], v: string | number): Compare__Output => ({
  key: b(key),
  rangeEnd: Buffer.alloc(0),
  target,
  result,
  ...(target === 'VALUE' ? { value: b(String(v)), targetUnion: 'value' } : target === 'VERSION' ? { version: String(v) } : target === 'CREATE' ? { createRevision: String(v) } : target === 'MOD' ? { modRevision: String(v) } : { lease: String(v) }),
});
const put = (key: string, value: string): RequestOp__Output => ({ requestPut: putReq(key, value), request: 'requestPut' });
const get = (key: string, rangeEnd = ''): RequestOp__Output => ({ requestRange: rangeReq(key, rangeEnd), request: 'requestRange' });
const del = (key: string, rangeEnd = ''): RequestOp__Output => ({ requestDeleteRange: delReq(key, rangeEnd), request: 'requestDeleteRange' });
const txn = (compare: Compare__Output[], success: RequestOp__Output[], failure: RequestOp__Output[] = []): TxnRequest__Output => ({ compare, success, failure });

describe('etcd keys', () => {
  it('maps etcd ranges onto the etcd key space', () => {
    const one = storeRange(b('a'), Buffer.alloc(0))!;
    expect(one.single).toBe(true);
    expect(str(one.start)).toContain('etcd/a');
    const fromKey = storeRange(b('a'), Buffer.from([0]))!;
    expect(Buffer.compare(Buffer.from(fromKey.end), Buffer.from(DATA_END))).toBe(0);
    const all = storeRange(Buffer.alloc(0), Buffer.from([0]))!;
    expect(Buffer.compare(Buffer.from(all.start), Buffer.from(storeKey(Buffer.alloc(0))))).toBe(0);
    expect(storeRange(b('b'), b('a'))).toBeUndefined();
    expect(storeRange(b('a'), b('a'))).toBeUndefined();
  });

  it('round-trips the envelope and reads a value without one as a first version', () => {
    const e = encodeEnvelope({ createRevision: 7n, version: 3n, lease: -2n }, b('v'));
    const d = decodeEnvelope(e);
    expect(d.meta).toEqual({ createRevision: 7n, version: 3n, lease: -2n });
    expect(str(d.value)).toBe('v');
    expect(() => decodeEnvelope(b('native'))).toThrow(/not an etcd value/);
    const row = decodeRow({ key: storeKey(b('k')), value: b('native'), ts: 5n });
    expect(row).toMatchObject({ version: 1n, createRevision: 5n, modRevision: 5n, lease: 0n });
    expect(str(row.value)).toBe('native');
  });
});

describe('etcd Put and versions', () => {
  it('counts versions within a key life, keeps create_revision, and starts over after a delete', async () => {
    const h = new Harness();
    const first = await h.step((v) => execPut(v, putReq('k', 'v1'), noLeases));
    expect(first.out.prevKv).toBeUndefined();
    let kv = (await h.read('k')).kvs[0]!;
    expect(kv).toMatchObject({ version: 1n, createRevision: first.rev, modRevision: first.rev });
    const second = await h.step((v) => execPut(v, putReq('k', 'v2', { prevKv: true }), noLeases));
    expect(str(second.out.prevKv!.value)).toBe('v1');
    kv = (await h.read('k')).kvs[0]!;
    expect(kv).toMatchObject({ version: 2n, createRevision: first.rev, modRevision: second.rev });
    const gone = await h.step((v) => execDelete(v, delReq('k', '', true)));
    expect(gone.out.deleted).toBe(1);
    expect(str(gone.out.prevKvs[0]!.value)).toBe('v2');
    expect((await h.read('k')).kvs).toEqual([]);
    const again = await h.step((v) => execPut(v, putReq('k', 'v3'), noLeases));
    kv = (await h.read('k')).kvs[0]!;
    expect(kv).toMatchObject({ version: 1n, createRevision: again.rev, modRevision: again.rev });
  });

  it('ignore_value keeps the value, and needs the key to exist; an unknown lease is refused', async () => {
    const h = new Harness();
    await expect(h.step((v) => execPut(v, putReq('k', '', { ignoreValue: true }), noLeases))).rejects.toThrow('etcdserver: key not found');
    await h.step((v) => execPut(v, putReq('k', 'keep'), noLeases));
    await h.step((v) => execPut(v, putReq('k', '', { ignoreValue: true }), noLeases));
    expect(str((await h.read('k')).kvs[0]!.value)).toBe('keep');
    await expect(h.step((v) => execPut(v, putReq('k', 'x', { lease: '42' }), noLeases))).rejects.toThrow('etcdserver: requested lease not found');
    await expect(h.step((v) => execPut(v, putReq('', 'x'), noLeases))).rejects.toThrow('etcdserver: key is not provided');
  });

  it('a delete of nothing writes nothing', async () => {
    const h = new Harness();
    const r = await h.step(async (v) => {
      const out = await execDelete(v, delReq('a', 'z'));
      expect(v.hasWrites).toBe(false);
      return out;
    });
    expect(r.out.deleted).toBe(0);
  });
});

describe('etcd Range', () => {
  async function seeded(): Promise<Harness> {
    const h = new Harness();
    for (const [k, val] of [['b', '2'], ['a', '3'], ['c', '1'], ['d', '0']] as const) await h.step((v) => execPut(v, putReq(k, val), noLeases));
    await h.step((v) => execPut(v, putReq('a', '9'), noLeases)); // a: version 2, newest mod
    return h;
  }

  it('limits, tells more and counts every key of the range', async () => {
    const h = await seeded();
    const r = await h.read('a', 'd', { limit: '2' });
    expect(r.kvs.map((kv) => str(kv.key))).toEqual(['a', 'b']);
    expect(r).toMatchObject({ more: true, count: 3 });
    const all = await h.read('', '\0');
    expect(all.kvs.map((kv) => str(kv.key))).toEqual(['a', 'b', 'c', 'd']);
    expect(all.more).toBe(false);
  });

  it('sorts by key, value, version and mod revision, either way', async () => {
    const h = await seeded();
    const keys = async (o: Partial<RangeRequest__Output>): Promise<string[]> => (await h.read('', '\0', o)).kvs.map((kv) => str(kv.key));
    expect(await keys({ sortOrder: 'DESCEND', sortTarget: 'KEY' })).toEqual(['d', 'c', 'b', 'a']);
    expect(await keys({ sortOrder: 'ASCEND', sortTarget: 'VALUE' })).toEqual(['d', 'c', 'b', 'a']);
    expect(await keys({ sortOrder: 'DESCEND', sortTarget: 'MOD', limit: '1' })).toEqual(['a']);
    expect((await keys({ sortOrder: 'DESCEND', sortTarget: 'VERSION' }))[0]).toBe('a');
    // A sort target with no order sorts ascending (as etcd does).
    expect(await keys({ sortTarget: 'CREATE' })).toEqual(['b', 'a', 'c', 'd']);
  });

  it('keys_only, count_only and revision filters', async () => {
    const h = await seeded();
    const ko = await h.read('', '\0', { keysOnly: true });
    expect(ko.kvs.every((kv) => kv.value.byteLength === 0)).toBe(true);
    const co = await h.read('', '\0', { countOnly: true });
    expect(co).toMatchObject({ kvs: [], count: 4 });
    const all = (await h.read('', '\0')).kvs;
    const c = all.find((kv) => str(kv.key) === 'c')!;
    const newer = await h.read('', '\0', { minModRevision: String(c.modRevision) });
    expect(newer.kvs.map((kv) => str(kv.key)).sort()).toEqual(['a', 'c', 'd']);
    const older = await h.read('', '\0', { maxCreateRevision: String(c.createRevision - 1n) });
    expect(older.kvs.map((kv) => str(kv.key)).sort()).toEqual(['a', 'b']);
  });

  it('a range at an older timestamp sees the older state', async () => {
    const h = await seeded();
    const before = h.ts;
    await h.step((v) => execDelete(v, delReq('a', 'c')));
    expect((await h.read('', '\0')).kvs.map((kv) => str(kv.key))).toEqual(['c', 'd']);
    const old = new TxnView(h.store, before, true);
    expect((await execRange(old, rangeReq('', '\0'))).kvs.map((kv) => str(kv.key))).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('etcd Compare and Txn', () => {
  it('compares a missing key as zeros, except by value', async () => {
    const h = new Harness();
    const view = new TxnView(h.store, h.ts, false);
    expect(await evalCompare(view, cmp('nope', 'VERSION', 'EQUAL', 0))).toBe(true);
    expect(await evalCompare(view, cmp('nope', 'CREATE', 'EQUAL', 0))).toBe(true);
    expect(await evalCompare(view, cmp('nope', 'VALUE', 'EQUAL', ''))).toBe(false);
    expect(await evalCompare(view, cmp('nope', 'VALUE', 'NOT_EQUAL', 'x'))).toBe(false);
  });

  it('runs the branch its compares choose, and later operations see earlier ones', async () => {
    const h = new Harness();
    await h.step((v) => execPut(v, putReq('k', 'v1'), noLeases));
    const ok = await h.step((v) => execTxn(v, txn([cmp('k', 'VALUE', 'EQUAL', 'v1'), cmp('k', 'VERSION', 'GREATER', 0)], [put('k', 'v2'), put('n', 'new'), get('', '\0')], [put('k', 'no')]), noLeases));
    expect(ok.out.succeeded).toBe(true);
    const seen = (ok.out.responses[2] as { range: { kvs: { key: Uint8Array; value: Uint8Array; modRevision: bigint }[] } }).range.kvs;
    expect(seen.map((kv) => `${str(kv.key)}=${str(kv.value)}`)).toEqual(['k=v2', 'n=new']);
    expect(seen.every((kv) => kv.modRevision === PENDING)).toBe(true);
    const no = await h.step((v) => execTxn(v, txn([cmp('k', 'VALUE', 'EQUAL', 'v1')], [put('k', 'yes')], [del('n'), get('n')]), noLeases));
    expect(no.out.succeeded).toBe(false);
    expect((no.out.responses[1] as { range: { kvs: unknown[] } }).range.kvs).toEqual([]);
    expect((await h.read('k')).kvs[0]).toMatchObject({ version: 2n });
    expect((await h.read('n')).kvs).toEqual([]);
  });

  it('compares every key of a range', async () => {
    const h = new Harness();
    await h.step((v) => execPut(v, putReq('p1', 'x'), noLeases));
    await h.step((v) => execPut(v, putReq('p2', 'y'), noLeases));
    const view = new TxnView(h.store, h.ts, false);
    const all = (r: Compare__Output['result'], val: string): Compare__Output => ({ ...cmp('p', 'VALUE', r, val), rangeEnd: b('q') });
    expect(await evalCompare(view, all('EQUAL', 'x'))).toBe(false);
    expect(await evalCompare(view, all('NOT_EQUAL', 'z'))).toBe(true);
  });

  it("refuses etcd's bad shapes: too many operations, a key put twice, a put inside a deleted range", () => {
    const err = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(EtcdError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(() => checkTxn(txn([], [put('a', '1'), put('b', '2'), put('c', '3')]), 2))).toBe('etcdserver: too many operations in txn request');
    expect(err(() => checkTxn(txn([], [put('a', '1'), put('a', '2')]), 128))).toBe('etcdserver: duplicate key given in txn request');
    expect(err(() => checkTxn(txn([], [del('a', 'c'), put('b', '2')]), 128))).toBe('etcdserver: duplicate key given in txn request');
    // Only one branch of a nested transaction runs: both may put the same key.
    expect(err(() => checkTxn(txn([], [{ requestTxn: txn([], [put('a', '1')], [put('a', '2')]), request: 'requestTxn' }]), 128))).toBe('no error');
    expect(err(() => checkTxn(txn([], [put('a', '0'), { requestTxn: txn([], [put('a', '1')]), request: 'requestTxn' }]), 128))).toBe('etcdserver: duplicate key given in txn request');
    // The failure branch is checked on its own.
    expect(err(() => checkTxn(txn([], [put('a', '1')], [put('a', '2')]), 128))).toBe('no error');
  });
});
