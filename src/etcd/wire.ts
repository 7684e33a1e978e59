// etcd results as their protobuf responses: revisions as decimal strings
// (int64 on the wire), the request's own writes at its commit revision, and
// one header per response (nested Txn responses carry it too).

import type { ResponseHeader } from '../proto-gen/etcdserverpb/ResponseHeader.js';
import type { RangeResponse } from '../proto-gen/etcdserverpb/RangeResponse.js';
import type { PutResponse } from '../proto-gen/etcdserverpb/PutResponse.js';
import type { DeleteRangeResponse } from '../proto-gen/etcdserverpb/DeleteRangeResponse.js';
import type { TxnResponse } from '../proto-gen/etcdserverpb/TxnResponse.js';
import type { ResponseOp } from '../proto-gen/etcdserverpb/ResponseOp.js';
import type { KeyValue } from '../proto-gen/mvccpb/KeyValue.js';
import type { DeleteResult, OpResult, PutResult, RangeResult, TxnResult } from './exec.js';
import { PENDING, type EtcdKv } from './view.js';

/** What every header carries besides the revision. */
export interface HeaderBase {
  readonly clusterId: string;
  readonly memberId: string;
  readonly raftTerm: string;
}

export function header(base: HeaderBase, revision: bigint): ResponseHeader {
  return { ...base, revision: revision.toString() };
}

export function kvOut(kv: EtcdKv, rev: bigint): KeyValue {
  const at = (x: bigint): string => (x === PENDING ? rev : x).toString();
  return { key: kv.key, value: kv.value, createRevision: at(kv.createRevision), modRevision: at(kv.modRevision), version: kv.version.toString(), lease: kv.lease.toString() };
}

export function rangeOut(r: RangeResult, h: ResponseHeader, rev: bigint): RangeResponse {
  return { header: h, kvs: r.kvs.map((kv) => kvOut(kv, rev)), more: r.more, count: String(r.count) };
}

export function putOut(r: PutResult, h: ResponseHeader, rev: bigint): PutResponse {
  return { header: h, ...(r.prevKv ? { prevKv: kvOut(r.prevKv, rev) } : {}) };
}

export function deleteOut(r: DeleteResult, h: ResponseHeader, rev: bigint): DeleteRangeResponse {
  return { header: h, deleted: String(r.deleted), prevKvs: r.prevKvs.map((kv) => kvOut(kv, rev)) };
}

export function txnOut(r: TxnResult, h: ResponseHeader, rev: bigint): TxnResponse {
  return { header: h, succeeded: r.succeeded, responses: r.responses.map((op) => opOut(op, h, rev)) };
}

function opOut(op: OpResult, h: ResponseHeader, rev: bigint): ResponseOp {
  if ('range' in op) return { responseRange: rangeOut(op.range, h, rev) };
  if ('put' in op) return { responsePut: putOut(op.put, h, rev) };
  if ('del' in op) return { responseDeleteRange: deleteOut(op.del, h, rev) };
  return { responseTxn: txnOut(op.txn, h, rev) };
}
