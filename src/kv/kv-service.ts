// RawKV on a node: validates a request, routes each key to its group, and
// either runs it on the local replica or forwards it to the group leader.
//
// Writes are proposed on the leader (a follower forwards them; no leader yet:
// wait up to the request deadline). Linearizable reads run on any replica:
// ReadIndex (raft forwards the request to the leader), wait until applied,
// then read local storage. A read at a timestamp above the group's closed
// timestamp first raises it through the log (BUMP_TS), so no later write can
// commit at or below a timestamp a read has already served.

import { createHash } from 'node:crypto';
import { makeTimestamp, physicalOf, type Hlc } from '../hlc/hlc.js';
import type { NodeHost } from '../node/node-host.js';
import { Replica, ReplicaError } from '../node/replica.js';
import type { NodeId } from '../raft/index.js';
import type { Transport } from '../transport/transport.js';
import { encodeCommand, type KvCommand, type KvResult, type KvWrite } from './commands.js';
import { KvError } from './errors.js';
import type { RouteTable } from './routes.js';
import { KvStateMachine } from './state-machine.js';
import { MAX_BATCH_BYTES, MAX_REQUEST_ID_BYTES, checkCount, checkKey, checkLimit, checkRange, checkRequestId, checkTimestamp, checkValue } from './validate.js';

const MAX_TS = (1n << 64n) - 1n;
const MAX_FORWARD_HOPS = 2;

export interface KvServiceOptions {
  readonly host: NodeHost;
  readonly routes: RouteTable;
  readonly hlc: Hlc;
  readonly transport: Transport;
  /** Longest a request waits for a leader or a commit. */
  readonly requestTimeoutMs?: number;
  /**
   * TEST-ONLY failpoint (FERRYKV_UNSAFE_STALE_READS=1 with test hooks): serve
   * latest-value reads from local state without ReadIndex. Breaks
   * linearizability on purpose so the Jepsen harness can show it detects it.
   */
  readonly unsafeStaleReads?: boolean;
}

type WriteOutcome = { local: KvResult; forwarded?: undefined } | { forwarded: unknown; local?: undefined };

export interface KeyValueOut {
  key: Uint8Array;
  value: Uint8Array;
  versionTs: string;
}


export class KvService {
  private readonly timeoutMs: number;
  /** Set by the server: forwards the current request to the leader node. */
  forwarder: ((to: NodeId, group: number, method: string, request: unknown, hops: number, deadlineMs: number) => Promise<unknown>) | undefined;

  constructor(private readonly opts: KvServiceOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  // ------------------------------------------------------------------ reads

  async get(req: { key: Uint8Array; readTs: string }): Promise<{ found: boolean; value: Uint8Array; versionTs: string }> {
    const key = checkKey('key', req.key);
    const readTs = this.checkReadTs(req.readTs);
    const r = await this.replicaFor(this.opts.routes.lookup(key).group);
    const ts = await this.readPoint(r, readTs);
    const kv = await this.sm(r).mvcc.get(key, ts);
    return kv ? { found: true, value: kv.value, versionTs: kv.ts.toString() } : { found: false, value: new Uint8Array(0), versionTs: '0' };
  }

  async batchGet(req: { keys: Uint8Array[]; readTs: string }): Promise<{ pairs: KeyValueOut[] }> {
    checkCount('keys', req.keys.length);
    req.keys.forEach((k, i) => checkKey(`keys[${i}]`, k));
    const readTs = this.checkReadTs(req.readTs);
    const byGroup = new Map<number, number[]>();
    req.keys.forEach((k, i) => {
      const g = this.opts.routes.lookup(k).group;
      const list = byGroup.get(g) ?? [];
      list.push(i);
      byGroup.set(g, list);
    });
    const found = new Array<KeyValueOut | undefined>(req.keys.length);
    await Promise.all(
      [...byGroup].map(async ([g, idxs]) => {
        const r = await this.replicaFor(g);
        const ts = await this.readPoint(r, readTs);
        const got = await this.sm(r).mvcc.getMany(idxs.map((i) => req.keys[i]!), ts);
        got.forEach((kv, j) => {
          if (kv) found[idxs[j]!] = { key: kv.key, value: kv.value, versionTs: kv.ts.toString() };
        });
      }),
    );
    return { pairs: found.filter((x): x is KeyValueOut => x !== undefined) };
  }

  async scan(req: { start: Uint8Array; end: Uint8Array; limit: number; reverse: boolean; readTs: string }): Promise<{ pairs: KeyValueOut[]; more: boolean }> {
    const { start, end } = checkRange(req.start, req.end);
    const limit = checkLimit(req.limit);
    const readTs = this.checkReadTs(req.readTs);
    const parts = this.opts.routes.overlapping(start, end);
    if (req.reverse) parts.reverse();
    const pairs: KeyValueOut[] = [];
    for (const p of parts) {
      const r = await this.replicaFor(p.group);
      const ts = await this.readPoint(r, readTs);
      const want = limit - pairs.length + 1; // one extra tells whether more remain
      const rows = await this.sm(r).mvcc.scan({
        ...(p.start.byteLength > 0 ? { start: p.start } : {}),
        ...(p.end.byteLength > 0 ? { end: p.end } : {}),
        readTs: ts,
        limit: want,
        reverse: req.reverse,
      });
      for (const kv of rows) pairs.push({ key: kv.key, value: kv.value, versionTs: kv.ts.toString() });
      if (pairs.length > limit) return { pairs: pairs.slice(0, limit), more: true };
    }
    return { pairs, more: false };
  }

  // ----------------------------------------------------------------- writes

  async put(req: { key: Uint8Array; value: Uint8Array; requestId: Uint8Array }, hops = 0): Promise<{ commitTs: string }> {
    const key = checkKey('key', req.key);
    const value = checkValue('value', req.value);
    const requestId = checkRequestId(req.requestId);
    const out = await this.write('Put', req, hops, this.opts.routes.lookup(key).group, { kind: 'WRITE', requestId, writes: [{ key, value }] });
    return out.local ? { commitTs: out.local.commitTs.toString() } : (out.forwarded as { commitTs: string });
  }

  async delete(req: { key: Uint8Array; requestId: Uint8Array }, hops = 0): Promise<{ commitTs: string }> {
    const key = checkKey('key', req.key);
    const requestId = checkRequestId(req.requestId);
    const out = await this.write('Delete', req, hops, this.opts.routes.lookup(key).group, { kind: 'WRITE', requestId, writes: [{ key, value: null }] });
    return out.local ? { commitTs: out.local.commitTs.toString() } : (out.forwarded as { commitTs: string });
  }

  async batchWrite(req: { mutations: { op: string; key: Uint8Array; value: Uint8Array }[]; requestId: Uint8Array }, hops = 0): Promise<{ commitTs: string }> {
    checkCount('mutations', req.mutations.length);
    const requestId = checkRequestId(req.requestId);
    let bytes = 0;
    const writes: KvWrite[] = req.mutations.map((m, i) => {
      const key = checkKey(`mutations[${i}].key`, m.key);
      if (m.op !== 'PUT' && m.op !== 'DELETE') throw new KvError('INVALID_ARGUMENT', `mutations[${i}].op: unknown operation ${m.op}`, { field: `mutations[${i}].op` });
      const value = m.op === 'PUT' ? checkValue(`mutations[${i}].value`, m.value) : null;
      bytes += key.byteLength + (value?.byteLength ?? 0);
      return { key, value };
    });
    if (bytes > MAX_BATCH_BYTES) throw new KvError('INVALID_ARGUMENT', `mutations: ${bytes} bytes in one batch; the limit is ${MAX_BATCH_BYTES}`, { field: 'mutations' });
    const groups = new Set(writes.map((w) => this.opts.routes.lookup(w.key).group));
    if (groups.size > 1) {
      throw new KvError('INVALID_ARGUMENT', 'mutations: keys span several routes; a batch is atomic only within one route (use a transaction)', {
        field: 'mutations',
        reason: 'cross-route batch',
      });
    }
    const out = await this.write('BatchWrite', req, hops, [...groups][0]!, { kind: 'WRITE', requestId, writes });
    return out.local ? { commitTs: out.local.commitTs.toString() } : (out.forwarded as { commitTs: string });
  }

  async compareAndSwap(
    req: { key: Uint8Array; expected: Uint8Array; expectAbsent: boolean; value: Uint8Array; requestId: Uint8Array },
    hops = 0,
  ): Promise<{ succeeded: boolean; currentFound: boolean; current: Uint8Array; commitTs: string }> {
    const key = checkKey('key', req.key);
    const value = checkValue('value', req.value);
    const expected = checkValue('expected', req.expected);
    const requestId = checkRequestId(req.requestId);
    const out = await this.write('CompareAndSwap', req, hops, this.opts.routes.lookup(key).group, {
      kind: 'CAS',
      requestId,
      key,
      expected,
      expectAbsent: req.expectAbsent,
      value,
    });
    if (!out.local) return out.forwarded as { succeeded: boolean; currentFound: boolean; current: Uint8Array; commitTs: string };
    const res = out.local;
    return { succeeded: res.succeeded, currentFound: res.currentFound, current: res.current, commitTs: res.commitTs.toString() };
  }

  async deleteRange(req: { start: Uint8Array; end: Uint8Array; requestId: Uint8Array }, hops = 0): Promise<{ commitTs: string; deleted: string }> {
    const { start, end } = checkRange(req.start, req.end);
    const requestId = checkRequestId(req.requestId);
    let deleted = 0;
    let commitTs = 0n;
    // Per route, in bounded commands; each chunk is idempotent by its own request id.
    for (const p of this.opts.routes.overlapping(start, end)) {
      let from = p.start;
      for (let chunk = 0; ; chunk++) {
        const rid = chunkRequestId(requestId, p.group, chunk);
        const out = await this.write('DeleteRange', { ...req, start: from, end: p.end, requestId: rid }, hops, p.group, {
          kind: 'DELETE_RANGE',
          requestId: rid,
          start: from,
          end: p.end,
          maxKeys: 1000,
        });
        if (!out.local) {
          // The leader ran the rest of this route's range itself.
          const f = out.forwarded as { commitTs: string; deleted: string };
          deleted += Number(f.deleted);
          if (BigInt(f.commitTs) > commitTs) commitTs = BigInt(f.commitTs);
          break;
        }
        const res = out.local;
        deleted += res.deleted;
        if (res.commitTs > commitTs) commitTs = res.commitTs;
        if (!res.more) break;
        from = res.resumeKey;
      }
    }
    return { commitTs: commitTs.toString(), deleted: String(deleted) };
  }

  /**
   * On the leader of `group`: forgets request ids applied more than
   * `retentionMs` ago (HLC time), in bounded commands. A retry older than the
   * retention may apply again; clients retry within seconds.
   */
  async collectDedup(group: number, retentionMs: number, maxChunks = 20): Promise<number> {
    const r = this.opts.host.replica(group);
    if (!r?.isLeader()) return 0;
    const physical = physicalOf(this.opts.hlc.now()) - BigInt(retentionMs);
    if (physical <= 0n) return 0;
    const before = makeTimestamp(physical, 0);
    let after: Uint8Array = new Uint8Array(0);
    let deleted = 0;
    for (let i = 0; i < maxChunks; i++) {
      const res = await this.propose(r, { kind: 'DEDUP_GC', requestId: new Uint8Array(0), ts: before, start: after, maxKeys: 1000 });
      deleted += res.deleted;
      if (!res.more) break;
      after = res.resumeKey;
    }
    return deleted;
  }

  // --------------------------------------------------------------- plumbing

  private sm(r: Replica): KvStateMachine {
    return r.sm as KvStateMachine;
  }

  private checkReadTs(ts: string): bigint {
    const v = checkTimestamp('read_ts', ts);
    if (v > 0n) {
      try {
        this.opts.hlc.observe(v);
      } catch (e) {
        throw new KvError('INVALID_ARGUMENT', `read_ts: ${(e as Error).message}`, { field: 'read_ts', reason: 'too far in the future' });
      }
    }
    return v;
  }

  private replicaFor(group: number): Promise<Replica> {
    const r = this.opts.host.replica(group);
    if (!r) return Promise.reject(new KvError('UNAVAILABLE', `this node holds no replica of group ${group}`, { groupId: group }));
    return Promise.resolve(r);
  }

  /** Waits for a linearizable read point; returns the timestamp to read at. */
  private async readPoint(r: Replica, readTs: bigint): Promise<bigint> {
    if (this.opts.unsafeStaleReads === true && readTs === 0n) return MAX_TS;
    await this.withDeadline(r.readBarrier());
    if (readTs === 0n) return MAX_TS;
    const sm = this.sm(r);
    if (readTs > sm.maxTs) {
      // Close the timestamp through the log before serving a read at it. Only
      // the leader can propose: a follower has the leader do it (proposing
      // locally failed every such read on a follower with NOT_LEADER) and then
      // applies through the bump, so every write at or below readTs — all
      // committed before the bump — is visible here too.
      await this.bumpTs(r.group, readTs);
      if (sm.maxTs < readTs) await this.withDeadline(r.readBarrier());
    }
    return readTs;
  }

  /** Closes timestamp `ts` in a group (BUMP_TS), on its leader: proposed there, or forwarded to it. */
  async bumpTs(group: number, ts: bigint, hops = 0): Promise<void> {
    await this.write('BumpTs', { readTs: ts.toString() }, hops, group, { kind: 'BUMP_TS', requestId: new Uint8Array(0), ts });
  }

  /** Proposes on the local leader, or forwards the whole request to the leader node. */
  private async write(method: string, request: unknown, hops: number, group: number, cmd: Omit<KvCommand, 'proposedTs'>): Promise<WriteOutcome> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const r = await this.replicaFor(group);
      if (r.isLeader()) return { local: await this.propose(r, cmd) };
      const leader = r.leader();
      if (leader !== 0 && leader !== this.opts.host.nodeId && this.forwarder && hops < MAX_FORWARD_HOPS) {
        return { forwarded: await this.forwarder(leader, group, method, request, hops + 1, Math.max(1, deadline - Date.now())) };
      }
      // No leader yet (election): wait a little, within the deadline.
      if (Date.now() + 50 > deadline) throw new KvError('UNAVAILABLE', `group ${group} has no leader`, { groupId: group });
      await new Promise((res) => setTimeout(res, Math.min(200, 20 * (attempt + 1))));
    }
  }

  private async propose(r: Replica, cmd: Omit<KvCommand, 'proposedTs'>): Promise<KvResult> {
    const full: KvCommand = { ...cmd, proposedTs: this.opts.hlc.now() };
    try {
      const res = (await this.withDeadline(r.propose(encodeCommand(full)))) as KvResult;
      this.opts.hlc.forward(res.commitTs);
      return res;
    } catch (e) {
      throw toKvError(e);
    }
  }

  private async withDeadline<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KvError('DEADLINE_EXCEEDED', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } catch (e) {
      throw toKvError(e);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The request id of one DeleteRange chunk: the client's id + "/group/chunk".
 * It must itself be a valid request id (≤ MAX_REQUEST_ID_BYTES): a follower
 * forwards the chunk under this id and the leader validates it again, so a
 * plain concatenation made every DeleteRange with a 60–64-byte request id fail
 * with INVALID_ARGUMENT through a follower. An id too long for the suffix is
 * replaced by its SHA-256 digest (deterministic, so retries still dedup).
 */
function chunkRequestId(requestId: Uint8Array, group: number, chunk: number): Uint8Array {
  if (requestId.byteLength === 0) return requestId;
  const suffix = new TextEncoder().encode(`/${group}/${chunk}`);
  const base = requestId.byteLength + suffix.byteLength <= MAX_REQUEST_ID_BYTES ? requestId : createHash('sha256').update(requestId).digest();
  const out = new Uint8Array(base.byteLength + suffix.byteLength);
  out.set(base, 0);
  out.set(suffix, base.byteLength);
  return out;
}

export function toKvError(e: unknown): KvError {
  if (e instanceof KvError) return e;
  if (e instanceof ReplicaError) {
    switch (e.code) {
      case 'NOT_LEADER':
        return new KvError('NOT_LEADER', e.message, e.leader ? { leaderNodeId: e.leader } : {});
      case 'OVERLOADED':
        return new KvError('OVERLOADED', e.message, { retryAfterMs: 50 });
      case 'TOO_LARGE':
        return new KvError('INVALID_ARGUMENT', e.message, { field: 'value' });
      case 'UNAVAILABLE':
        return new KvError('UNAVAILABLE', e.message);
      default:
        return new KvError('INTERNAL', e.message);
    }
  }
  return new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
}

