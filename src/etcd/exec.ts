// etcd's operations over a TxnView: Range, Put, DeleteRange, Compare and Txn
// (nested), with etcd's rules for each (which keys a range names, how a
// missing key compares, what prev_kv and count report, which request shapes
// are refused). Results hold revisions as bigints, PENDING for the request's
// own writes; the caller fills in the commit revision.

import { compareBytes } from '../runtime/bytes.js';
import type { Compare__Output } from '../proto-gen/etcdserverpb/Compare.js';
import type { DeleteRangeRequest__Output } from '../proto-gen/etcdserverpb/DeleteRangeRequest.js';
import type { PutRequest__Output } from '../proto-gen/etcdserverpb/PutRequest.js';
import type { RangeRequest__Output } from '../proto-gen/etcdserverpb/RangeRequest.js';
import type { RequestOp__Output } from '../proto-gen/etcdserverpb/RequestOp.js';
import type { TxnRequest__Output } from '../proto-gen/etcdserverpb/TxnRequest.js';
import { ErrDuplicateKey, ErrEmptyKey, ErrKeyNotFound, ErrLeaseNotFound, ErrTooManyOps } from './errors.js';
import { inRange, storeKey, storeRange, type StoreRange } from './keys.js';
import { indexKey } from './lease.js';
import { PENDING, hex, ordered, type EtcdKv, type TxnView } from './view.js';

export interface RangeResult {
  readonly kvs: EtcdKv[];
  readonly more: boolean;
  readonly count: number;
}
export interface PutResult {
  readonly prevKv: EtcdKv | undefined;
}
export interface DeleteResult {
  readonly deleted: number;
  readonly prevKvs: EtcdKv[];
}
export interface TxnResult {
  readonly succeeded: boolean;
  readonly responses: OpResult[];
}
export type OpResult = { readonly range: RangeResult } | { readonly put: PutResult } | { readonly del: DeleteResult } | { readonly txn: TxnResult };

/** Whether a lease exists, read through the request's view (0 is never asked). */
export type LeaseCheck = (view: TxnView, id: bigint) => Promise<boolean>;

const big = (s: string | undefined): bigint => BigInt(s ?? '0');

function rangeOrEmpty(key: Uint8Array, rangeEnd: Uint8Array): StoreRange | undefined {
  if (key.byteLength === 0 && rangeEnd.byteLength === 0) throw ErrEmptyKey();
  // etcd: an empty key with range_end "\0" is the whole key space.
  return storeRange(key, rangeEnd);
}

const FIELD: Record<string, (kv: EtcdKv) => bigint> = {
  VERSION: (kv) => kv.version,
  CREATE: (kv) => kv.createRevision,
  MOD: (kv) => kv.modRevision,
};

/** Sorts by etcd's sort target; revisions still PENDING sort last (they are the newest). */
function sortKvs(kvs: EtcdKv[], target: string, descending: boolean): void {
  const cmp = (a: EtcdKv, b: EtcdKv): number => {
    if (target === 'KEY') return compareBytes(a.key, b.key);
    if (target === 'VALUE') return compareBytes(a.value, b.value);
    const f = FIELD[target]!;
    const d = ordered(f(a)) - ordered(f(b));
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  };
  kvs.sort((a, b) => (descending ? -cmp(a, b) : cmp(a, b)));
}

export async function execRange(view: TxnView, req: RangeRequest__Output): Promise<RangeResult> {
  const r = rangeOrEmpty(req.key, req.rangeEnd);
  if (!r) return { kvs: [], more: false, count: 0 };
  let { kvs } = await view.range(r, 0, false);
  const count = kvs.length;
  const bounds: [string, (kv: EtcdKv) => boolean][] = [
    [req.minModRevision, (kv) => kv.modRevision !== PENDING && kv.modRevision < big(req.minModRevision)],
    [req.maxModRevision, (kv) => kv.modRevision === PENDING || kv.modRevision > big(req.maxModRevision)],
    [req.minCreateRevision, (kv) => kv.createRevision !== PENDING && kv.createRevision < big(req.minCreateRevision)],
    [req.maxCreateRevision, (kv) => kv.createRevision === PENDING || kv.createRevision > big(req.maxCreateRevision)],
  ];
  for (const [bound, drop] of bounds) if (big(bound) !== 0n) kvs = kvs.filter((kv) => !drop(kv));
  const order = req.sortOrder === 'NONE' && req.sortTarget !== 'KEY' ? 'ASCEND' : req.sortOrder;
  if (order === 'DESCEND' || (order === 'ASCEND' && req.sortTarget !== 'KEY')) sortKvs(kvs, req.sortTarget, order === 'DESCEND');
  const limit = Number(big(req.limit));
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (req.countOnly) return { kvs: [], more, count };
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: new Uint8Array(0) }));
  return { kvs, more, count };
}

export async function execPut(view: TxnView, req: PutRequest__Output, leaseExists: LeaseCheck): Promise<PutResult> {
  if (req.key.byteLength === 0) throw ErrEmptyKey();
  const sk = storeKey(req.key);
  const prev = await view.get(sk);
  if ((req.ignoreValue || req.ignoreLease) && !prev) throw ErrKeyNotFound();
  const lease = req.ignoreLease ? prev!.lease : big(req.lease);
  if (lease !== 0n && !(await leaseExists(view, lease))) throw ErrLeaseNotFound();
  // The lease index follows the key (src/etcd/lease.ts).
  if (prev && prev.lease !== 0n && prev.lease !== lease) view.deleteRaw(indexKey(prev.lease, sk));
  if (lease !== 0n && prev?.lease !== lease) view.putRaw(indexKey(lease, sk), new Uint8Array(0));
  view.put(sk, {
    key: req.key,
    value: req.ignoreValue ? prev!.value : req.value,
    createRevision: prev ? prev.createRevision : PENDING,
    modRevision: PENDING,
    version: prev ? prev.version + 1n : 1n,
    lease,
  });
  return { prevKv: req.prevKv ? prev : undefined };
}

export async function execDelete(view: TxnView, req: DeleteRangeRequest__Output): Promise<DeleteResult> {
  const r = rangeOrEmpty(req.key, req.rangeEnd);
  if (!r) return { deleted: 0, prevKvs: [] };
  const { kvs } = await view.range(r, 0, false);
  for (const kv of kvs) {
    view.delete(storeKey(kv.key));
    if (kv.lease !== 0n) view.deleteRaw(indexKey(kv.lease, storeKey(kv.key)));
  }
  return { deleted: kvs.length, prevKvs: req.prevKv ? kvs : [] };
}

function compareTo(c: Compare__Output, kv: EtcdKv): number {
  const sign = (d: bigint): number => (d < 0n ? -1 : d > 0n ? 1 : 0);
  switch (c.target) {
    case 'VALUE':
      return compareBytes(kv.value, c.value ?? new Uint8Array(0));
    case 'VERSION':
      return sign(kv.version - big(c.version));
    case 'CREATE':
      return sign(ordered(kv.createRevision) - big(c.createRevision));
    case 'MOD':
      return sign(ordered(kv.modRevision) - big(c.modRevision));
    case 'LEASE':
      return sign(kv.lease - big(c.lease));
  }
}

const ABSENT: EtcdKv = { key: new Uint8Array(0), value: new Uint8Array(0), createRevision: 0n, modRevision: 0n, version: 0n, lease: 0n };

/** etcd's compare: every key of the range must pass; a missing key compares as zeros, except on its value (false). */
export async function evalCompare(view: TxnView, c: Compare__Output): Promise<boolean> {
  const r = storeRange(c.key, c.rangeEnd);
  const kvs = r ? (await view.range(r, 0, false)).kvs : [];
  const holds = (kv: EtcdKv): boolean => {
    const d = compareTo(c, kv);
    return c.result === 'EQUAL' ? d === 0 : c.result === 'NOT_EQUAL' ? d !== 0 : c.result === 'GREATER' ? d > 0 : d < 0;
  };
  if (kvs.length === 0) return c.target !== 'VALUE' && holds(ABSENT);
  return kvs.every(holds);
}

export async function execTxn(view: TxnView, req: TxnRequest__Output, leaseExists: LeaseCheck): Promise<TxnResult> {
  let succeeded = true;
  for (const c of req.compare) {
    if (!(await evalCompare(view, c))) {
      succeeded = false;
      break;
    }
  }
  const responses: OpResult[] = [];
  for (const op of succeeded ? req.success : req.failure) responses.push(await execOp(view, op, leaseExists));
  return { succeeded, responses };
}

async function execOp(view: TxnView, op: RequestOp__Output, leaseExists: LeaseCheck): Promise<OpResult> {
  if (op.requestRange) return { range: await execRange(view, op.requestRange) };
  if (op.requestPut) return { put: await execPut(view, op.requestPut, leaseExists) };
  if (op.requestDeleteRange) return { del: await execDelete(view, op.requestDeleteRange) };
  if (op.requestTxn) return { txn: await execTxn(view, op.requestTxn, leaseExists) };
  return { range: { kvs: [], more: false, count: 0 } };
}

// --------------------------------------------------------- request checks

interface Intervals {
  readonly puts: Set<string>;
  readonly dels: StoreRange[];
}


/**
 * etcd's shape rules for a Txn, before anything runs: at most maxOps compares
 * and operations per branch, and within a branch no key put twice or put
 * inside a range the branch deletes (nested transactions count with both of
 * their branches).
 */
export function checkTxn(req: TxnRequest__Output, maxOps: number): void {
  if (req.compare.length > maxOps || req.success.length > maxOps || req.failure.length > maxOps) throw ErrTooManyOps();
  branchIntervals(req.success, maxOps);
  branchIntervals(req.failure, maxOps);
}

function branchIntervals(ops: readonly RequestOp__Output[], maxOps: number): Intervals {
  const puts = new Set<string>();
  const direct: Uint8Array[] = [];
  const nested: Uint8Array[] = [];
  const directDels: StoreRange[] = [];
  const nestedDels: StoreRange[] = [];
  const addPut = (k: Uint8Array, into: Uint8Array[]): void => {
    const h = hex(k);
    if (puts.has(h)) throw ErrDuplicateKey();
    puts.add(h);
    into.push(k);
  };
  for (const op of ops) {
    if (op.requestPut) addPut(storeKey(op.requestPut.key), direct);
    else if (op.requestDeleteRange) {
      const r = storeRange(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd);
      if (r) directDels.push(r);
    } else if (op.requestTxn) {
      checkTxn(op.requestTxn, maxOps);
      const s = branchIntervals(op.requestTxn.success, maxOps);
      const f = branchIntervals(op.requestTxn.failure, maxOps);
      // Only one of the two branches runs: a key both put is one put.
      const both = new Set([...s.puts, ...f.puts]);
      for (const h of both) addPut(Buffer.from(h, 'hex'), nested);
      nestedDels.push(...s.dels, ...f.dels);
    }
  }
  for (const k of direct) if ([...directDels, ...nestedDels].some((d) => inRange(k, d))) throw ErrDuplicateKey();
  for (const k of nested) if (directDels.some((d) => inRange(k, d))) throw ErrDuplicateKey();
  return { puts, dels: [...directDels, ...nestedDels] };
}
