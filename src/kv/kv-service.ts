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
import type { Replica } from '../node/replica.js';
import type { NodeId } from '../raft/index.js';
import type { Transport } from '../transport/transport.js';
import { encodeCommand, type KvCommand, type KvResult, type KvWrite } from '../apply/commands.js';
import type { CatalogCommand, RouteDescriptor, RoutePart } from '../routing/catalog.js';
import type { NotOwned } from '../distribution/ownership.js';
import type { RouteCache } from '../routing/route-cache.js';
import { compareBytes, concat } from '../storage/keys.js';
import { KvError } from '../api/errors.js';
import { resultError } from '../apply/result-error.js';
import { toKvError } from '../node/errors.js';
import { followStaleRoute } from '../routing/follow.js';
import { GroupMachine } from '../apply/group-machine.js';
import { OWNERSHIP, refusedResult } from '../distribution/ownership-state.js';
import type { OwnershipMap } from '../distribution/ownership.js';
import { FAMILY_DEDUP, FAMILY_LOCK, FAMILY_MVCC } from '../storage/keys.js';
import type { MvccStore } from '../storage/mvcc-store.js';
import type { TxnCoordinator } from '../txn/coordinator.js';
import { Sweep } from './sweep.js';
import { MAX_BATCH_BYTES, checkClientTimestamp, checkCount, checkKey, checkLimit, checkRange, checkRequestId, checkValue } from './validate.js';
import { LOCAL_BACKOFF, backoffMs, sleep } from '../runtime/backoff.js';

const MAX_TS = (1n << 64n) - 1n;
const MAX_FORWARD_HOPS = 2;
/**
 * Commands in one pass of a background sweep (request ids, versions). Each
 * scans up to 1,000 (request ids) or 10,000 (versions, and 1 MiB) entries; a pass that
 * stops here continues at the next one.
 */
const SWEEP_MAX_STEPS = 500;

/**
 * Key and value bytes one MVCC_GC step scans at most (besides its 10,000
 * versions). A step applies inside the ready-loop turn on every replica, so
 * every group of the node waits for it: 10,000 versions of 1 KB took 100 ms
 * of CPU, 300-600 ms on a loaded node, and a foreground group's put p99 went
 * from 50 to 450-900 ms while a migration ran (issue 19). 1 MiB is about 10 ms.
 */
export const GC_STEP_SCAN_BYTES = 1 << 20;
/** A write refused by a fence waits this long at most for the local replica's next ownership change. */
const FENCE_WAIT_MS = 100;
/** How often a forward in flight checks whether this node learned of another leader. */
const LEADER_POLL_MS = 20;
const LEADER_MOVED = Symbol('leader moved');
/** How far past a read's timestamp a bump closes the group's timestamp (10 ms of HLC time). */
const BUMP_HEADROOM = 10n << 16n;

export interface KvServiceOptions {
  readonly host: NodeHost;
  /** This node's copy of the route catalog (a hint: groups decide ownership). */
  readonly routes: RouteCache;
  /** Re-reads the catalog after a stale route (NOT_OWNER). */
  readonly refreshRoutes: () => Promise<void>;
  readonly hlc: Hlc;
  readonly transport: Transport;
  /** Longest a request waits for a leader or a commit. */
  readonly requestTimeoutMs?: number;
  /** Longest one forward to a group leader may take before the request is sent again (to the leader then known). */
  readonly forwardAttemptMs?: number;
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
  /** Requests that met a stale route and were re-routed (a metric). */
  staleRoutes = 0;
  /** Set by the server: forwards the current request to the leader node. */
  forwarder: ((to: NodeId, group: number, method: string, request: unknown, hops: number, deadlineMs: number) => Promise<unknown>) | undefined;

  private readonly forwardAttemptMs: number;

  constructor(private readonly opts: KvServiceOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.forwardAttemptMs = opts.forwardAttemptMs ?? 2000;
  }

  // ------------------------------------------------------------------ reads

  /**
   * A read at read_ts (0: the latest). `txn`: a transactional read, which
   * first clears locks that could hide a commit at or below its timestamp and
   * (unless `uncertainty` is off, for a read at a timestamp a client was
   * given back, such as an etcd revision) restarts on a version in its
   * clock-uncertainty window.
   */
  async get(req: { key: Uint8Array; readTs: string }, txn = false, uncertainty = true): Promise<{ found: boolean; value: Uint8Array; versionTs: string }> {
    const key = checkKey('key', req.key);
    const readTs = txn ? this.checkStartTs(req.readTs) : this.checkReadTs(req.readTs);
    const deadline = Date.now() + this.timeoutMs;
    return this.routed(undefined, async () => {
      const r = await this.replicaFor(this.opts.routes.lookup(key).groupId);
      for (let resolved = false; ; resolved = true) {
        const ts = await this.readPoint(r, readTs, resolved);
        this.checkOwned(r, key);
        // A transactional read first clears locks that could hide a commit at or below its timestamp.
        if (txn && (await this.coordinator().clearReadLocks(this.locks(r), { keys: [key] }, readTs, deadline))) continue;
        const kv = await this.mvcc(r).get(key, ts);
        if (txn && uncertainty) {
          const newest = await this.mvcc(r).newestTs(key, this.coordinator().uncertainty(readTs));
          if (newest > readTs) throw this.coordinator().uncertain(key, newest);
        }
        this.checkOwned(r, key); // ownership may have changed while the read ran
        return kv ? { found: true, value: kv.value, versionTs: kv.ts.toString() } : { found: false, value: new Uint8Array(0), versionTs: '0' };
      }
    });
  }

  /**
   * A linearizable read of one key that also says the timestamp it read at:
   * after a read barrier the replica has applied every write that finished
   * before the call, all at or below its closed timestamp, so reading at that
   * timestamp (locks at or below it cleared first) sees them all, and every
   * later write to the key's group commits above it. No timestamp is closed
   * through the log, as a read at a timestamp from the clock needs. Barrier,
   * ownership check and read all happen on one replica.
   */
  async getLatest(req: { key: Uint8Array }): Promise<{ found: boolean; value: Uint8Array; versionTs: bigint; readTs: bigint }> {
    const key = checkKey('key', req.key);
    const deadline = Date.now() + this.timeoutMs;
    return this.routed(undefined, async () => {
      const r = await this.replicaFor(this.opts.routes.lookup(key).groupId);
      for (;;) {
        await this.barrier(r);
        const ts = this.m(r).maxTs;
        this.checkOwned(r, key);
        if (await this.coordinator().clearReadLocks(this.locks(r), { keys: [key] }, ts, deadline)) continue;
        const kv = await this.mvcc(r).get(key, ts);
        this.checkOwned(r, key); // ownership may have changed while the read ran
        return kv ? { found: true, value: kv.value, versionTs: kv.ts, readTs: ts } : { found: false, value: new Uint8Array(0), versionTs: 0n, readTs: ts };
      }
    });
  }

  /** Set by the server: the transaction coordinator (lock resolution for transactional reads). */
  txn: TxnCoordinator | undefined;

  private coordinator(): TxnCoordinator {
    if (!this.txn) throw new KvError('UNAVAILABLE', 'transactions are not available on this node yet');
    return this.txn;
  }

  private checkStartTs(ts: string): bigint {
    const v = this.checkReadTs(ts);
    if (v === 0n) throw new KvError('INVALID_ARGUMENT', 'start_ts: a transaction reads at its start timestamp (BeginTxn); 0 is not one', { field: 'start_ts', reason: 'missing' });
    return v;
  }

  async batchGet(req: { keys: Uint8Array[]; readTs: string }, txn = false): Promise<{ pairs: KeyValueOut[] }> {
    checkCount('keys', req.keys.length);
    req.keys.forEach((k, i) => checkKey(`keys[${i}]`, k));
    const readTs = txn ? this.checkStartTs(req.readTs) : this.checkReadTs(req.readTs);
    const deadline = Date.now() + this.timeoutMs;
    const found = new Array<KeyValueOut | undefined>(req.keys.length);
    // Keys are grouped by the cache; a group that turns out not to own some of
    // them sends just those keys round again after a refresh.
    let todo = req.keys.map((_, i) => i);
    await this.routed(undefined, async () => {
      const byGroup = new Map<number, number[]>();
      for (const i of todo) {
        const g = this.opts.routes.lookup(req.keys[i]!).groupId;
        const list = byGroup.get(g) ?? [];
        list.push(i);
        byGroup.set(g, list);
      }
      const failed: number[] = [];
      let notOwner: KvError | undefined;
      await Promise.all(
        [...byGroup].map(async ([g, idxs]) => {
          const r = await this.replicaFor(g);
          const keys = idxs.map((i) => req.keys[i]!);
          let ts = await this.readPoint(r, readTs);
          while (txn && (await this.coordinator().clearReadLocks(this.locks(r), { keys: keys.filter((k) => !this.owned(r).check(k)) }, readTs, deadline))) ts = await this.readPoint(r, readTs, true);
          const got = await this.mvcc(r).getMany(keys, ts);
          if (txn) {
            const limit = this.coordinator().uncertainty(readTs);
            for (const k of keys) {
              const newest = await this.mvcc(r).newestTs(k, limit);
              if (newest > readTs) throw this.coordinator().uncertain(k, newest);
            }
          }
          // A plain loop: getMany's answer has holes for absent keys, which forEach would skip.
          for (let j = 0; j < keys.length; j++) {
            const kv = got[j];
            const bad = this.owned(r).check(keys[j]!);
            if (bad) {
              failed.push(idxs[j]!);
              notOwner ??= notOwnerError(g, bad);
            } else if (kv) found[idxs[j]!] = { key: kv.key, value: kv.value, versionTs: kv.ts.toString() };
          }
        }),
      );
      todo = failed;
      if (notOwner) throw notOwner;
    });
    return { pairs: found.filter((x): x is KeyValueOut => x !== undefined) };
  }

  /**
   * Scans route by route (adjacent routes of one group in one read), in key
   * order or reverse, resuming after the last row returned if a route turns
   * out stale (NOT_OWNER: refresh and continue), so no row is returned twice
   * or skipped.
   */
  async scan(req: { start: Uint8Array; end: Uint8Array; limit: number; reverse: boolean; readTs: string }, txn = false, uncertainty = true): Promise<{ pairs: KeyValueOut[]; more: boolean }> {
    const { start, end } = checkRange(req.start, req.end);
    const limit = checkLimit(req.limit);
    const readTs = txn ? this.checkStartTs(req.readTs) : this.checkReadTs(req.readTs);
    const deadline = Date.now() + this.timeoutMs;
    const pairs: KeyValueOut[] = [];
    let lo = start;
    let hi = end; // empty: +∞
    for (;;) {
      const done = await this.routed(undefined, async () => {
        const part = nextPart(this.opts.routes.overlapping(lo, hi), req.reverse);
        if (!part) return true;
        const r = await this.replicaFor(part.group);
        let ts = await this.readPoint(r, readTs);
        this.checkOwned(r, part.start, part.end);
        while (txn && (await this.coordinator().clearReadLocks(this.locks(r), { start: part.start, end: part.end }, readTs, deadline))) ts = await this.readPoint(r, readTs, true);
        const rows = await this.mvcc(r).scan({
          ...(part.start.byteLength > 0 ? { start: part.start } : {}),
          ...(part.end.byteLength > 0 ? { end: part.end } : {}),
          readTs: ts,
          limit: limit - pairs.length + 1, // one extra tells whether more remain
          reverse: req.reverse,
        });
        if (txn && uncertainty) {
          // Only the stretch of the part the answer covers needs to be certain.
          const kept = rows.slice(0, Math.max(0, limit - pairs.length));
          let lo2 = part.start;
          let hi2 = part.end;
          const last = kept[kept.length - 1];
          if (rows.length > kept.length && last) {
            if (req.reverse) lo2 = last.key;
            else hi2 = concat([last.key, Uint8Array.of(0)]);
          }
          await this.checkUncertainRange(r, lo2, hi2, readTs);
        }
        this.checkOwned(r, part.start, part.end);
        for (const kv of rows) pairs.push({ key: kv.key, value: kv.value, versionTs: kv.ts.toString() });
        if (pairs.length > limit) return true;
        if (req.reverse) {
          if (compareBytes(part.start, lo) <= 0) return true;
          hi = part.start;
        } else {
          if (part.end.byteLength === 0 || (hi.byteLength > 0 && compareBytes(part.end, hi) >= 0)) return true;
          lo = part.end;
        }
        return false;
      });
      if (done) break;
    }
    if (pairs.length > limit) return { pairs: pairs.slice(0, limit), more: true };
    return { pairs, more: false };
  }

  /** A transactional scan restarts if any version in the part lies in its uncertainty window. */
  private async checkUncertainRange(r: Replica, start: Uint8Array, end: Uint8Array, readTs: bigint): Promise<void> {
    for await (const v of this.mvcc(r).versionsIn(start, end, this.coordinator().uncertainty(readTs))) {
      if (v.ts > readTs) throw this.coordinator().uncertain(v.key, v.ts);
    }
  }

  // ----------------------------------------------------------------- writes

  async put(req: { key: Uint8Array; value: Uint8Array; requestId: Uint8Array }, hops = 0, group?: number): Promise<{ commitTs: string }> {
    const key = checkKey('key', req.key);
    const value = checkValue('value', req.value);
    const requestId = checkRequestId(req.requestId);
    const out = await this.routed(group, () => this.write('Put', req, hops, group ?? this.opts.routes.lookup(key).groupId, { kind: 'WRITE', requestId, writes: [{ key, value }] }));
    return out.local ? { commitTs: out.local.commitTs.toString() } : (out.forwarded as { commitTs: string });
  }

  async delete(req: { key: Uint8Array; requestId: Uint8Array }, hops = 0, group?: number): Promise<{ commitTs: string }> {
    const key = checkKey('key', req.key);
    const requestId = checkRequestId(req.requestId);
    const out = await this.routed(group, () => this.write('Delete', req, hops, group ?? this.opts.routes.lookup(key).groupId, { kind: 'WRITE', requestId, writes: [{ key, value: null }] }));
    return out.local ? { commitTs: out.local.commitTs.toString() } : (out.forwarded as { commitTs: string });
  }

  async batchWrite(req: { mutations: { op: string; key: Uint8Array; value: Uint8Array }[]; requestId: Uint8Array }, hops = 0, group?: number): Promise<{ commitTs: string }> {
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
    const out = await this.routed(group, () => {
      if (group !== undefined) return this.write('BatchWrite', req, hops, group, { kind: 'WRITE', requestId, writes });
      const routes = new Set(writes.map((w) => this.opts.routes.lookup(w.key)));
      if (routes.size > 1) {
        throw new KvError('INVALID_ARGUMENT', 'mutations: keys span several routes; a batch is atomic only within one route (use a transaction)', {
          field: 'mutations',
          reason: 'cross-route batch',
        });
      }
      return this.write('BatchWrite', req, hops, [...routes][0]!.groupId, { kind: 'WRITE', requestId, writes });
    });
    return out.local ? { commitTs: out.local.commitTs.toString() } : (out.forwarded as { commitTs: string });
  }

  async compareAndSwap(
    req: { key: Uint8Array; expected: Uint8Array; expectAbsent: boolean; value: Uint8Array; requestId: Uint8Array },
    hops = 0,
    group?: number,
  ): Promise<{ succeeded: boolean; currentFound: boolean; current: Uint8Array; commitTs: string }> {
    const key = checkKey('key', req.key);
    const value = checkValue('value', req.value);
    const expected = checkValue('expected', req.expected);
    if (req.expectAbsent && expected.byteLength > 0) {
      throw new KvError('INVALID_ARGUMENT', 'expected: give an expected value or expect_absent, not both', { field: 'expected', reason: 'conflicts with expect_absent' });
    }
    const requestId = checkRequestId(req.requestId);
    const out = await this.routed(group, () =>
      this.write('CompareAndSwap', req, hops, group ?? this.opts.routes.lookup(key).groupId, {
        kind: 'CAS',
        requestId,
        key,
        expected,
        expectAbsent: req.expectAbsent,
        value,
      }),
    );
    if (!out.local) return out.forwarded as { succeeded: boolean; currentFound: boolean; current: Uint8Array; commitTs: string };
    const res = out.local;
    return { succeeded: res.succeeded, currentFound: res.currentFound, current: res.current, commitTs: res.commitTs.toString() };
  }

  /**
   * Deletes [start, end) route by route in bounded commands. Each chunk has
   * its own request id derived from the client's (so a retried DeleteRange
   * replays finished chunks as no-ops); after a stale route it resumes from
   * where the last chunk stopped.
   */
  async deleteRange(req: { start: Uint8Array; end: Uint8Array; requestId: Uint8Array }, hops = 0, group?: number): Promise<{ commitTs: string; deleted: string }> {
    const { start, end } = checkRange(req.start, req.end);
    const requestId = checkRequestId(req.requestId);
    let deleted = 0;
    let commitTs = 0n;
    let from = start;
    for (;;) {
      const done = await this.routed(group, async () => {
        const part = group !== undefined ? { group, start: from, end } : nextPart(this.opts.routes.overlapping(from, end), false);
        if (!part) return true;
        const rid = chunkRequestId(requestId, part.start, part.end);
        const out = await this.write('DeleteRange', { ...req, start: part.start, end: part.end, requestId: rid }, hops, part.group, {
          kind: 'DELETE_RANGE',
          requestId: rid,
          start: part.start,
          end: part.end,
          maxKeys: 1000,
        });
        let more = false;
        if (out.local) {
          deleted += out.local.deleted;
          if (out.local.commitTs > commitTs) commitTs = out.local.commitTs;
          more = out.local.more;
          if (more) from = out.local.resumeKey;
        } else {
          // The leader ran the rest of this part itself.
          const f = out.forwarded as { commitTs: string; deleted: string };
          deleted += Number(f.deleted);
          if (BigInt(f.commitTs) > commitTs) commitTs = BigInt(f.commitTs);
        }
        if (more) return false;
        if (part.end.byteLength === 0 || (end.byteLength > 0 && compareBytes(part.end, end) >= 0)) return true;
        from = part.end;
        return false;
      });
      if (done) break;
    }
    return { commitTs: commitTs.toString(), deleted: String(deleted) };
  }

  /**
   * A route catalog change on the default group's leader (forwarded there from
   * a follower as `method`). Resolves with the catalog's answer, or the
   * leader's serialized response when forwarded.
   */
  async catalogCommand(
    method: string,
    request: unknown,
    hops: number,
    group: number,
    change: CatalogCommand,
  ): Promise<{ version: number; noop: boolean; routes: readonly RouteDescriptor[] } | { forwarded: unknown }> {
    const out = await this.write(method, request, hops, group, { kind: 'CATALOG', requestId: new Uint8Array(0), catalog: change });
    if (!out.local) return { forwarded: out.forwarded };
    return { version: out.local.catalogVersion ?? 0, noop: !out.local.succeeded, routes: out.local.routes ?? [] };
  }

  /**
   * On the leader of `group`: forgets request ids applied more than
   * `retentionMs` ago (HLC time), in bounded commands (Sweep: a pass continues
   * where the last stopped, until the table wraps around or `maxSteps`). A
   * retry older than the retention may apply again; clients retry within seconds.
   */
  async collectDedup(group: number, retentionMs: number, maxSteps = SWEEP_MAX_STEPS): Promise<number> {
    const r = this.opts.host.replica(group);
    if (!r?.isLeader()) return 0;
    const physical = physicalOf(this.opts.hlc.now()) - BigInt(retentionMs);
    if (physical <= 0n) return 0;
    const before = makeTimestamp(physical, 0);
    const m = this.m(r);
    const sweep = this.sweep(this.dedupSweeps, group);
    if (!sweep.due(m.writeGeneration, before)) return 0; // nothing new since a whole pass, nothing come due: the group sleeps on
    if (await this.settledEmpty(sweep, m, FAMILY_DEDUP)) return 0;
    return sweep.pass((after) => this.propose(r, { kind: 'DEDUP_GC', requestId: new Uint8Array(0), ts: before, start: after, maxKeys: 1000 }), maxSteps, undefined, () => m.writeGeneration);
  }

  /**
   * On the leader of `group`: raises the GC safe point to now − retention and
   * collects versions below it in bounded commands (Sweep, as collectDedup).
   */
  async collectGarbage(group: number, retentionMs: number, maxSteps = SWEEP_MAX_STEPS): Promise<number> {
    const r = this.opts.host.replica(group);
    if (!r?.isLeader()) return 0;
    const physical = physicalOf(this.opts.hlc.now()) - BigInt(retentionMs);
    if (physical <= 0n) return 0;
    const safePoint = makeTimestamp(physical, 0);
    const m = this.m(r);
    const sweep = this.sweep(this.gcSweeps, group);
    if (!sweep.due(m.writeGeneration, safePoint)) return 0;
    // No version at or below the safe point: nothing is shadowed there (the first pass after a start used to scan it all).
    if (m.lowestVersionTs > safePoint) return 0;
    // A family with no version needs no safe point either: a read at any timestamp finds nothing.
    if (await this.settledEmpty(sweep, m, FAMILY_MVCC)) return 0;
    return sweep.pass((cursor) => this.propose(r, { kind: 'MVCC_GC', requestId: new Uint8Array(0), ts: safePoint, start: cursor, maxKeys: 1000, maxScanBytes: GC_STEP_SCAN_BYTES }), maxSteps, undefined, () => m.writeGeneration);
  }

  /** A sweep at its beginning over a family that holds nothing proposes nothing: it sleeps until a write. */
  private async settledEmpty(sweep: Sweep, m: GroupMachine, family: number): Promise<boolean> {
    if (!sweep.atStart) return false;
    const generation = m.writeGeneration;
    if (await m.data.holdsAny(family)) return false;
    sweep.settleEmpty(generation);
    return true;
  }

  private sweep(sweeps: Map<number, Sweep>, group: number): Sweep {
    let s = sweeps.get(group);
    if (!s) sweeps.set(group, (s = new Sweep()));
    return s;
  }

  private readonly dedupSweeps = new Map<number, Sweep>();
  private readonly gcSweeps = new Map<number, Sweep>();

  // --------------------------------------------------------------- plumbing

  private m(r: Replica): GroupMachine {
    return GroupMachine.of(r);
  }

  private mvcc(r: Replica): MvccStore {
    return this.m(r).data.store(FAMILY_MVCC);
  }

  private locks(r: Replica): MvccStore {
    return this.m(r).data.store(FAMILY_LOCK);
  }

  /** What the replica's applied state says the group serves. */
  private owned(r: Replica): OwnershipMap {
    return this.m(r).state(OWNERSHIP).map;
  }

  /** NOT_OWNER unless the replica's applied state serves the key, or all of [start, end). */
  private checkOwned(r: Replica, start: Uint8Array, end?: Uint8Array): void {
    const bad = this.owned(r).check(start, end);
    if (bad) throw notOwnerError(r.group, bad);
  }

  /**
   * Runs a routed step; after NOT_OWNER (a stale route) refreshes the route
   * cache and runs it again, within the request deadline. A rejected write
   * wrote nothing, so running it again is safe. A request forwarded here runs
   * in the group its sender chose (`forced`): a NOT_OWNER goes back to the
   * sender, whose cache was stale, rather than two nodes with different
   * caches bouncing it between them.
   */
  private async routed<T>(forced: number | undefined, step: () => Promise<T>): Promise<T> {
    if (forced !== undefined) return step();
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await step();
      } catch (e) {
        const err = toKvError(e);
        const waitable = err.code === 'NOT_OWNER' || err.code === 'ROUTE_MOVED' || err.code === 'WRITE_FENCED' || err.code === 'RANGE_PENDING';
        if (!waitable || Date.now() + 20 > deadline) throw err;
        if (err.code === 'NOT_OWNER' || err.code === 'ROUTE_MOVED') this.staleRoutes++;
        await followStaleRoute(this.opts.routes, this.opts.refreshRoutes, err);
        const local = err.code === 'WRITE_FENCED' && err.detail.groupId !== undefined ? this.opts.host.replica(err.detail.groupId) : undefined;
        if (local) {
          // A fence lasts until Release (or its deadline): wait for this node's
          // replica to apply the change rather than knock every few milliseconds.
          await this.m(local).state(OWNERSHIP).change(Math.max(1, Math.min(FENCE_WAIT_MS, deadline - Date.now() - 20)));
          continue;
        }
        const hint = err.detail.retryAfterMs ?? 0;
        await sleep(backoffMs(LOCAL_BACKOFF, attempt, hint, deadline - Date.now() - 20));
      }
    }
  }


  private checkReadTs(ts: string): bigint {
    return checkClientTimestamp(this.opts.hlc, 'read_ts', ts);
  }

  private replicaFor(group: number): Promise<Replica> {
    const r = this.opts.host.replica(group);
    if (!r) return Promise.reject(new KvError('UNAVAILABLE', `this node holds no replica of group ${group}`, { groupId: group }));
    return Promise.resolve(r);
  }

  /** Waits for a linearizable read point; returns the timestamp to read at. */
  private async readPoint(r: Replica, readTs: bigint, barrier = false): Promise<bigint> {
    if (this.opts.unsafeStaleReads === true && readTs === 0n) return MAX_TS;
    const sm = this.m(r);
    if (readTs !== 0n && readTs < sm.safePoint) {
      throw new KvError('INVALID_ARGUMENT', `read_ts ${readTs} is below group ${r.group}'s GC safe point ${sm.safePoint}: versions that old may be gone`, {
        field: 'read_ts',
        reason: 'below the GC safe point',
        safePoint: sm.safePoint,
      });
    }
    // A read at a timestamp the replica has already closed needs no barrier:
    // every entry after the one that closed it commits above it, and a
    // transaction's commit below it was locked (visible here) before. So any
    // replica — a follower, even one cut off — serves it from what it applied.
    // (After resolving locks the caller asks for a barrier, to see the resolution.)
    if (readTs !== 0n && !barrier && sm.maxTs >= readTs) return readTs;
    await this.barrier(r);
    if (readTs === 0n) return MAX_TS;
    if (readTs > sm.maxTs) {
      // Close the timestamp through the log before serving a read at it. Only
      // the leader can propose: a follower has the leader do it (proposing
      // locally failed every such read on a follower with NOT_LEADER) and then
      // applies through the bump, so every write at or below readTs — all
      // committed before the bump — is visible here too.
      await this.closeTimestamp(r.group, readTs);
      if (sm.maxTs < readTs) await this.barrier(r);
    }
    return readTs;
  }

  /**
   * A linearizable read point on the replica. A read index that is not
   * confirmed in time (a slow heartbeat round on a loaded machine, a leader
   * change) is asked once more before the read fails: a flaky test met a
   * single slow round. (Not more: a replica cut off from its leader should
   * send the client elsewhere soon; no leader at all fails at once.)
   */
  private async barrier(r: Replica): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withDeadline(r.readBarrier());
      } catch (e) {
        const err = toKvError(e);
        if (attempt > 0 || err.code !== 'UNAVAILABLE' || !err.message.includes('read index not confirmed')) throw err;
      }
    }
  }

  /** In-flight bumps by group: reads at timestamps below one wait for it instead of proposing their own. */
  private readonly bumps = new Map<number, { target: bigint; done: Promise<void> }>();

  /**
   * Closes `readTs` in a group, a little ahead (BUMP_HEADROOM): transactions
   * read at fresh start timestamps, and one bump through the log then serves
   * every read for the next few milliseconds. Concurrent reads share a bump.
   */
  private async closeTimestamp(group: number, readTs: bigint): Promise<void> {
    for (;;) {
      const inflight = this.bumps.get(group);
      if (!inflight) break;
      if (inflight.target >= readTs) return inflight.done;
      await inflight.done.catch(() => {});
      if (this.m(await this.replicaFor(group)).maxTs >= readTs) return;
    }
    const target = readTs + BUMP_HEADROOM;
    const done = this.bumpTs(group, target);
    this.bumps.set(group, { target, done });
    try {
      await done;
    } finally {
      if (this.bumps.get(group)?.done === done) this.bumps.delete(group);
    }
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
      if (leader !== 0 && leader !== this.opts.host.nodeId && this.forwarder) {
        // The leader moved again while the request travelled: let the client go there.
        if (hops >= MAX_FORWARD_HOPS) throw new KvError('NOT_LEADER', `group ${group}: the leader is node ${leader}; the request already took ${hops} hops`, { leaderNodeId: leader });
        // A leader that does not answer (paused, cut off) costs one attempt, not the whole deadline.
        const budget = Math.max(1, Math.min(deadline - Date.now(), this.forwardAttemptMs));
        try {
          const answer = await this.forwardUnlessLeaderMoves(r, leader, method, request, hops, budget);
          if (answer !== LEADER_MOVED) return { forwarded: answer };
          if (!retrySafe(method, request)) throw new KvError('UNAVAILABLE', `group ${group}: the leader changed while the request was forwarded; its outcome is unknown`, { groupId: group });
          continue; // to the new leader (a write keeps its request id: it applies once)
        } catch (e) {
          const err = toKvError(e);
          // Only a request that may run twice safely goes again: a write with a request id (it applies once), or an idempotent internal step.
          if (err.code !== 'UNAVAILABLE' || !retrySafe(method, request) || Date.now() + 50 > deadline) throw err;
          await sleep(Math.max(1, backoffMs(LOCAL_BACKOFF, attempt, 0, deadline - Date.now() - 50)));
          continue;
        }
      }
      // No leader yet (election): wait a little, within the deadline.
      if (Date.now() + 50 > deadline) throw new KvError('UNAVAILABLE', `group ${group} has no leader`, { groupId: group });
      await sleep(backoffMs(LOCAL_BACKOFF, attempt, 0, deadline - Date.now() - 50));
    }
  }

  /**
   * Forwards to `leader`, unless this node's replica learns of another leader
   * first (then LEADER_MOVED: the forward is left to finish or fail on its own).
   */
  private async forwardUnlessLeaderMoves(r: Replica, leader: NodeId, method: string, request: unknown, hops: number, budgetMs: number): Promise<unknown> {
    const forward = this.forwarder!(leader, r.group, method, request, hops + 1, budgetMs);
    let timer: NodeJS.Timeout | undefined;
    const moved = new Promise<typeof LEADER_MOVED>((resolve) => {
      timer = setInterval(() => {
        const now = r.leader();
        if (now !== 0 && now !== leader) resolve(LEADER_MOVED);
      }, LEADER_POLL_MS);
    });
    try {
      const winner = await Promise.race([forward, moved]);
      if (winner === LEADER_MOVED) forward.catch(() => {}); // abandoned: its answer no longer matters
      return winner;
    } finally {
      clearInterval(timer);
    }
  }

  private async propose(r: Replica, cmd: Omit<KvCommand, 'proposedTs'>): Promise<KvResult> {
    const full: KvCommand = { ...cmd, proposedTs: this.opts.hlc.now() };
    // A fenced or released range refuses the write at apply: refuse it here
    // without a round through the log (a fence under load meets a write storm).
    // Apply still decides; this only spares doomed entries.
    const early = this.m(r).refusal(full);
    if (early && (early.errorCode === 'WRITE_FENCED' || early.errorCode === 'ROUTE_MOVED')) throw resultError(early, r.group);
    try {
      const res = (await this.withDeadline(r.propose(encodeCommand(full)))) as KvResult;
      if (res.errorCode) throw resultError(res, r.group);
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

/** Whether a forwarded request may be sent again after an unanswered attempt. */
function retrySafe(method: string, request: unknown): boolean {
  if (method === 'BumpTs' || method === 'SplitRange') return true; // idempotent
  const id = (request as { requestId?: Uint8Array } | undefined)?.requestId;
  return id !== undefined && id.byteLength > 0;
}

/**
 * The request id of one DeleteRange chunk: a digest of the client's id and the
 * chunk's exact sub-range. A retried DeleteRange that reaches the same
 * sub-range replays its stored result; a different sub-range (routes changed
 * in between) is a different id, never the stored answer of another range.
 * (A digest, not a concatenation: the chunk id must itself be a valid request
 * id when a follower forwards it.)
 */
function chunkRequestId(requestId: Uint8Array, start: Uint8Array, end: Uint8Array): Uint8Array {
  if (requestId.byteLength === 0) return requestId;
  const h = createHash('sha256');
  for (const part of [requestId, start, end]) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(part.byteLength);
    h.update(len).update(part);
  }
  return h.digest();
}

/** The next part of a range to visit (first, or last if reverse), adjacent routes of one group merged. */
function nextPart(parts: readonly RoutePart[], reverse: boolean): { group: number; start: Uint8Array; end: Uint8Array } | undefined {
  if (parts.length === 0) return undefined;
  if (!reverse) {
    const group = parts[0]!.route.groupId;
    let i = 0;
    while (i + 1 < parts.length && parts[i + 1]!.route.groupId === group) i++;
    return { group, start: parts[0]!.start, end: parts[i]!.end };
  }
  const group = parts[parts.length - 1]!.route.groupId;
  let i = parts.length - 1;
  while (i > 0 && parts[i - 1]!.route.groupId === group) i--;
  return { group, start: parts[i]!.start, end: parts[parts.length - 1]!.end };
}


/** The client error for a footprint the group's ownership map refuses (reads and writes alike). */
export function notOwnerError(group: number, bad: NotOwned): KvError {
  return resultError(refusedResult(group, bad), group);
}



