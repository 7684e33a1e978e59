// Transactions on a node (docs/transactions.md): the coordinator of commits
// this node received, the lock resolution every transactional read performs,
// and the background resolver of locks left by coordinators that died.
//
// Commit (Percolator): the primary is the smallest key written. Prewrite
// every group in parallel; choose
// commit_ts = max(every group's min_commit_ts, this node's clock); for
// serializable, validate the read set in every group it touches (which also
// keeps later writes to those keys above commit_ts); commit the primary's
// group — the commit record is the decision — then resolve the secondaries in
// the background (readers and the resolver finish the job if this node dies).
// All writes in one group (and, serializable, all reads too): one ONE_PC step.
//
// Every step goes to the key's owner by the route cache and follows
// NOT_OWNER / ROUTE_MOVED / WRITE_FENCED / RANGE_PENDING like RawKV writes: a
// refused step wrote nothing, so it is re-sent to the new owner, and locks and
// records travel with a moving range, so a transaction never commits half on
// the old owner and half on the new one.

import { physicalOf, type Hlc } from '../hlc/hlc.js';
import type { GroupClient } from '../rpc/group-client.js';
import type { NodeHost } from '../node/node-host.js';
import type { RouteCache } from '../routing/route-cache.js';
import { compareBytes } from '../storage/keys.js';
import { encodeCommand, type KvCommand, type KvResult, type KvWrite, type TxnCommand } from '../apply/commands.js';
import { KvError } from '../api/errors.js';
import { followStaleRoute } from '../routing/follow.js';
import { resultError } from '../apply/result-error.js';
import { toKvError } from '../node/errors.js';
import { GroupMachine } from '../apply/group-machine.js';
import { FAMILY_LOCK } from '../storage/keys.js';
import type { MvccStore } from '../storage/mvcc-store.js';
import { decodeLock, type Lock } from './txn-records.js';
import { readLock } from './txn-apply.js';
import { MAX_BATCH_BYTES, checkCount, checkKey, checkRange, checkRequestId, checkTimestamp, checkValue } from '../kv/validate.js';
import { LOCAL_BACKOFF, backoffMs, sleep } from '../runtime/backoff.js';

export type Isolation = 'SNAPSHOT' | 'SERIALIZABLE';

export interface TxnOptions {
  /** 1–255: the low 8 bits of every start timestamp this node hands out. */
  readonly nodeId: number;
  readonly host: NodeHost;
  readonly routes: RouteCache;
  readonly refreshRoutes: () => Promise<void>;
  readonly hlc: Hlc;
  readonly groups: GroupClient;
  readonly requestTimeoutMs: number;
  /** How long a lock lives without a heartbeat. */
  readonly lockTtlMs: number;
  /** Reads treat versions in (start_ts, start_ts + this] as uncertain (DESIGN.md §6). */
  readonly maxClockOffsetMs: number;
  /** TEST-ONLY: hold every 2PC commit after its prewrites (the coordinator-crash test kills the node then). */
  readonly pauseAfterPrewrite?: () => boolean;
  readonly log?: { warn: (o: object, m: string) => void; debug: (o: object, m: string) => void };
}

export interface CommitRequest {
  readonly startTs: bigint;
  readonly mutations: readonly KvWrite[];
  readonly isolation: Isolation;
  readonly readKeys: readonly Uint8Array[];
  readonly readRanges: readonly { readonly start: Uint8Array; readonly end: Uint8Array }[];
  readonly requestId: Uint8Array;
}

const ROUTING = new Set(['NOT_OWNER', 'ROUTE_MOVED', 'WRITE_FENCED', 'RANGE_PENDING']);

function aborted(reason: string, message: string, key?: Uint8Array, retryTs?: bigint): KvError {
  return new KvError('ABORTED', message, { reason, ...(key ? { conflictingKey: key } : {}), ...(retryTs !== undefined ? { retryTs } : {}) });
}

export class TxnCoordinator {
  /** Commits, aborts and resolved locks (metrics). */
  readonly stats = { commits: 0, onePhase: 0, aborts: 0, resolvedLocks: 0 };

  /** Groups whose lock family was empty at a write generation (resolveExpired skips them until it moves). */
  private readonly lockFreeAt = new Map<number, number>();

  constructor(private readonly opts: TxnOptions) {}

  /**
   * A start timestamp above `afterTs`, unique in the cluster: a start
   * timestamp names its transaction (locks and records are keyed by it), and
   * two nodes' clocks can hand out the same value, so its low 8 bits are this
   * node's id.
   */
  begin(afterTs: bigint): bigint {
    if (afterTs > 0n) this.opts.hlc.forward(afterTs);
    const ts = this.opts.hlc.now();
    let tagged = (ts & ~0xffn) | BigInt(this.opts.nodeId & 0xff);
    if (tagged <= ts) tagged += 0x100n;
    this.opts.hlc.forward(tagged);
    return tagged;
  }

  private nowMs(): number {
    return Number(physicalOf(this.opts.hlc.now()));
  }

  // ------------------------------------------------------------- proposing

  /** Proposes a step on `group`'s leader (this node's replica or over gRPC); refusals come back as results. */
  private async propose(group: number, cmd: Omit<KvCommand, 'proposedTs'>, deadline: number): Promise<KvResult> {
    const full: KvCommand = { ...cmd, proposedTs: this.opts.hlc.now() };
    const r = this.opts.host.replica(group);
    let res: KvResult;
    if (r?.isLeader()) {
      try {
        res = await withTimeout(r.propose(encodeCommand(full)) as Promise<KvResult>, Math.max(1, deadline - Date.now()));
      } catch (e) {
        const err = toKvError(e);
        if (err.code !== 'NOT_LEADER') throw err;
        res = await this.opts.groups.proposeForResult(group, full, Math.max(1, deadline - Date.now()));
      }
    } else {
      res = await this.opts.groups.proposeForResult(group, full, Math.max(1, deadline - Date.now()));
    }
    if (res.commitTs > 0n) this.opts.hlc.forward(res.commitTs);
    if (res.minCommitTs) this.opts.hlc.forward(res.minCommitTs);
    return res;
  }

  /**
   * Sends a step for `keys` to the groups that own them (by the route cache),
   * one command per group built by `build`; a group that no longer owns its
   * keys (or is fenced, or still importing) gets nothing done, and its keys
   * are re-routed and sent again until the deadline. Transaction refusals
   * (conflicts) are returned, not thrown.
   */
  private async onOwners(keys: readonly Uint8Array[], build: (keys: Uint8Array[]) => TxnCommand, deadline: number): Promise<{ group: number; keys: Uint8Array[]; result: KvResult }[]> {
    const out: { group: number; keys: Uint8Array[]; result: KvResult }[] = [];
    let todo = [...keys];
    for (let attempt = 0; todo.length > 0; attempt++) {
      const byGroup = new Map<number, Uint8Array[]>();
      for (const k of todo) {
        const g = this.opts.routes.lookup(k).groupId;
        const list = byGroup.get(g) ?? [];
        list.push(k);
        byGroup.set(g, list);
      }
      todo = [];
      let wait = 0;
      await Promise.all(
        [...byGroup].map(async ([group, ks]) => {
          const result = await this.propose(group, { kind: 'TXN', requestId: new Uint8Array(0), txn: build(ks) }, deadline);
          if (result.errorCode && ROUTING.has(result.errorCode)) {
            const err = resultError(result, group);
            await followStaleRoute(this.opts.routes, this.opts.refreshRoutes, err);
            wait = Math.max(wait, err.detail.retryAfterMs ?? 0);
            todo.push(...ks);
            if (Date.now() + 20 > deadline) throw err;
            return;
          }
          out.push({ group, keys: ks, result });
        }),
      );
      if (todo.length > 0) await sleep(backoffMs(LOCAL_BACKOFF, attempt, wait, deadline - Date.now()));
    }
    return out;
  }

  /** One step for one key (the primary): the owner's answer, routing followed. */
  private async onOwner(key: Uint8Array, build: (keys: Uint8Array[]) => TxnCommand, deadline: number): Promise<KvResult> {
    const [first] = await this.onOwners([key], build, deadline);
    return first!.result;
  }

  // ----------------------------------------------------------------- commit

  async commit(req: CommitRequest): Promise<{ commitTs: bigint; onePhase: boolean }> {
    const deadline = Date.now() + this.opts.requestTimeoutMs;
    if (req.mutations.length === 0) return { commitTs: req.startTs, onePhase: true }; // read-only: nothing to do
    const sorted = [...req.mutations].sort((a, b) => compareBytes(a.key, b.key));
    const primary = sorted[0]!.key;
    const serializable = req.isolation === 'SERIALIZABLE';
    try {
      for (let attempt = 0; ; attempt++) {
        const groups = new Set(sorted.map((m) => this.opts.routes.lookup(m.key).groupId));
        if (serializable) {
          for (const k of req.readKeys) groups.add(this.opts.routes.lookup(k).groupId);
          for (const r of req.readRanges) for (const p of this.opts.routes.overlapping(r.start, r.end)) groups.add(p.route.groupId);
        }
        if (groups.size === 1) {
          const out = await this.onePhase(req, sorted, [...groups][0]!, deadline);
          if (out === 'reroute') continue;
          this.stats.commits++;
          this.stats.onePhase++;
          return { commitTs: out, onePhase: true };
        }
        const commitTs = await this.twoPhase(req, sorted, primary, deadline);
        this.stats.commits++;
        return { commitTs, onePhase: false };
      }
    } catch (e) {
      const err = toKvError(e);
      if (err.code === 'ABORTED') this.stats.aborts++;
      throw err;
    }
  }

  /** All in one group: check and commit in one step (a retry with the same request id answers the first outcome). */
  private async onePhase(req: CommitRequest, muts: readonly KvWrite[], group: number, deadline: number): Promise<bigint | 'reroute'> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.propose(
        group,
        {
          kind: 'TXN',
          requestId: req.requestId,
          txn: { kind: 'ONE_PC', startTs: req.startTs, mutations: muts, ...(req.isolation === 'SERIALIZABLE' ? { readKeys: req.readKeys, readRanges: req.readRanges } : {}) },
        },
        deadline,
      );
      if (!res.errorCode) return res.commitTs;
      if (ROUTING.has(res.errorCode)) {
        const err = resultError(res, group);
        if (Date.now() + 20 > deadline) throw err;
        await followStaleRoute(this.opts.routes, this.opts.refreshRoutes, err);
        await sleep(backoffMs(LOCAL_BACKOFF, attempt, err.detail.retryAfterMs ?? 0, deadline - Date.now()));
        return 'reroute';
      }
      if (res.errorCode === 'TXN_CONFLICT' && res.lock && res.conflictKey) {
        // Another transaction holds the key: clear it away if it is decided or dead, else give up.
        if (await this.resolveOne(res.conflictKey, res.lock, deadline, false)) continue;
        throw aborted('locked', `key is locked by a transaction in flight (started at ${res.lock.startTs})`, res.conflictKey);
      }
      throw this.refusal(res, group);
    }
  }

  private refusal(res: KvResult, group: number): KvError {
    if (res.errorCode === 'ABORTED' || res.errorCode === 'TXN_CONFLICT') {
      const reason = res.errorMessage?.startsWith('write conflict') ? 'write-conflict' : res.errorMessage?.startsWith('read conflict') ? 'read-conflict' : res.lock ? 'locked' : 'rolled-back';
      return aborted(reason, res.errorMessage ?? 'aborted', res.conflictKey);
    }
    return resultError(res, group);
  }

  private async twoPhase(req: CommitRequest, muts: readonly KvWrite[], primary: Uint8Array, deadline: number): Promise<bigint> {
    const ttlMs = this.opts.lockTtlMs;
    const byKey = new Map(muts.map((m) => [Buffer.from(m.key).toString('hex'), m]));
    const prewrite = (keys: Uint8Array[]): TxnCommand => ({
      kind: 'PREWRITE',
      startTs: req.startTs,
      primary,
      mutations: keys.map((k) => byKey.get(Buffer.from(k).toString('hex'))!),
      ttlMs,
      nowMs: this.nowMs(),
    });
    const locked: Uint8Array[] = [];
    let minCommitTs = req.startTs + 1n;
    // Keep the primary's lock alive while the commit runs (following the primary if its range moves).
    const heartbeat = setInterval(() => {
      this.onOwner(primary, () => ({ kind: 'HEARTBEAT', startTs: req.startTs, primary, ttlMs, nowMs: this.nowMs() }), Date.now() + Math.floor(ttlMs / 3)).catch(() => {});
    }, Math.max(50, Math.floor(ttlMs / 3)));
    heartbeat.unref();
    try {
      // 1. Prewrite every group in parallel. A reader that meets a secondary
      // lock before the primary's exists rolls the transaction back (CHECK_STATUS
      // leaves a marker the primary's prewrite then refuses): an abort, never a
      // half commit, and one round trip less for every commit.
      {
        let todo = muts.map((m) => m.key);
        for (let round = 0; todo.length > 0; round++) {
          const answers = await this.onOwners(todo, prewrite, deadline);
          todo = [];
          // A retry of a commit that already happened: the primary's group says so (whatever the others say).
          const decided = answers.find((a) => !a.result.errorCode && a.result.txnStatus === 'committed');
          if (decided) return decided.result.commitTs;
          for (const a of answers) {
            const res = a.result;
            if (!res.errorCode) {
              locked.push(...a.keys);
              if (res.minCommitTs && res.minCommitTs > minCommitTs) minCommitTs = res.minCommitTs;
              continue;
            }
            if (res.errorCode === 'TXN_CONFLICT' && res.lock && res.conflictKey && round < 3 && (await this.resolveOne(res.conflictKey, res.lock, deadline, false))) {
              todo.push(...a.keys); // the blocker is gone: prewrite these keys again
              continue;
            }
            throw this.refusal(res, a.group);
          }
        }
      }
      while (this.opts.pauseAfterPrewrite?.() === true) await sleep(100); // TEST-ONLY: the node is about to be killed
      // 2. The commit timestamp: above every participant's reads, and this node's clock.
      this.opts.hlc.forward(minCommitTs);
      const commitTs = this.opts.hlc.now();
      // 3. Serializable: the read set is still as read, up to commitTs.
      if (req.isolation === 'SERIALIZABLE') await this.validate(req, commitTs, deadline);
      // 4. The decision: the primary's group commits (with the commit record).
      const primaryRes = await this.onOwner(primary, (keys) => ({ kind: 'COMMIT', startTs: req.startTs, commitTs, primary, keys }), deadline);
      if (primaryRes.errorCode) throw this.refusal(primaryRes, this.opts.routes.lookup(primary).groupId);
      const decided = primaryRes.commitTs;
      // 5. Secondaries in the background: readers and the resolver finish it if this node dies.
      const secondaries = muts.map((m) => m.key).filter((k) => compareBytes(k, primary) !== 0);
      if (secondaries.length > 0) {
        this.onOwners(secondaries, (keys) => ({ kind: 'RESOLVE', startTs: req.startTs, commitTs: decided, primary, keys }), Date.now() + this.opts.requestTimeoutMs * 3).catch((e: unknown) =>
          this.opts.log?.debug({ err: (e as Error).message }, 'txn: resolving secondaries failed; readers and the resolver will'),
        );
      }
      return decided;
    } catch (e) {
      const err = toKvError(e);
      if (err.code === 'ABORTED') {
        // Two runs of one commit (a client retry while the first still runs) can
        // see each other's resolved writes as conflicts: the primary decides.
        const st = await this.onOwner(primary, () => ({ kind: 'CHECK_STATUS', startTs: req.startTs, primary, nowMs: this.nowMs(), rollbackIfExpired: false }), deadline).catch(() => undefined);
        if (st && !st.errorCode && st.txnStatus === 'committed') return st.commitTs;
      }
      // A definite refusal: take our locks back (best effort; the resolver does it after the TTL otherwise).
      if (err.code === 'ABORTED' || err.code === 'INVALID_ARGUMENT') this.rollback(req.startTs, primary, locked);
      else if (err.code === 'DEADLINE_EXCEEDED' || err.code === 'UNAVAILABLE') throw new KvError('UNKNOWN_RESULT', `the commit's outcome is unknown (${err.message}); retry TxnCommit with the same start_ts`, err.detail);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async validate(req: CommitRequest, commitTs: bigint, deadline: number): Promise<void> {
    const build = (keys: Uint8Array[]): TxnCommand => ({ kind: 'VALIDATE', startTs: req.startTs, commitTs, readKeys: keys });
    const answers = req.readKeys.length > 0 ? await this.onOwners(req.readKeys, build, deadline) : [];
    for (const r of req.readRanges) {
      // A range is validated part by part (one part per owning route); parts are keyed by their start.
      for (const p of this.opts.routes.overlapping(r.start, r.end)) {
        const res = await this.onOwner(p.start, () => ({ kind: 'VALIDATE', startTs: req.startTs, commitTs, readRanges: [{ start: p.start, end: p.end }] }), deadline);
        answers.push({ group: p.route.groupId, keys: [], result: res });
      }
    }
    for (const a of answers) if (a.result.errorCode) throw this.refusal(a.result, a.group);
  }

  private rollback(startTs: bigint, primary: Uint8Array, keys: readonly Uint8Array[]): void {
    if (keys.length === 0) return;
    this.onOwners(keys, (ks) => ({ kind: 'RESOLVE', startTs, commitTs: 0n, primary, keys: ks }), Date.now() + this.opts.requestTimeoutMs).catch(() => {});
  }

  // ------------------------------------------------------- lock resolution

  /**
   * Clears one lock out of a reader's or writer's way if its transaction is
   * decided (roll it forward or back) or dead (its TTL passed: roll the
   * primary back first). Returns false if the owner is alive and undecided
   * (and `wait` is false), so the caller may give up or wait.
   */
  async resolveOne(key: Uint8Array, lock: { primary: Uint8Array; startTs: bigint; expiresMs: number }, deadline: number, wait: boolean): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const expired = lock.expiresMs < this.nowMs();
      const status = await this.onOwner(
        lock.primary,
        () => ({ kind: 'CHECK_STATUS', startTs: lock.startTs, primary: lock.primary, nowMs: this.nowMs(), rollbackIfExpired: expired }),
        deadline,
      );
      if (status.errorCode) throw resultError(status, 0);
      if (status.txnStatus === 'committed' || status.txnStatus === 'rolled_back') {
        const commitTs = status.txnStatus === 'committed' ? status.commitTs : 0n;
        await this.onOwners([key], (keys) => ({ kind: 'RESOLVE', startTs: lock.startTs, commitTs, primary: lock.primary, keys }), deadline);
        this.stats.resolvedLocks++;
        return true;
      }
      // Pending: the owner is alive (its heartbeats keep the primary's lock fresh).
      if (!wait) return false;
      const until = Math.min(deadline - 20, (status.lock?.expiresMs ?? lock.expiresMs) + 5);
      if (Date.now() >= deadline - 20) return false;
      await sleep(Math.max(1, backoffMs(LOCAL_BACKOFF, attempt, 0, until - Date.now())));
      if (status.lock) lock = { ...lock, expiresMs: status.lock.expiresMs };
    }
  }

  /**
   * Before a read at `readTs` on a replica: waits until no lock in the keys or
   * range blocks it. A lock blocks if its transaction may commit at or below
   * readTs (start_ts ≤ readTs and min_commit_ts ≤ readTs); each is resolved
   * (decided: rolled forward or back; dead: rolled back; alive: waited for).
   */
  async clearReadLocks(locks: MvccStore, target: { keys: readonly Uint8Array[] } | { start: Uint8Array; end: Uint8Array }, readTs: bigint, deadline: number): Promise<boolean> {
    const blocking: { key: Uint8Array; lock: Lock }[] = [];
    if ('keys' in target) {
      for (const key of target.keys) {
        const l = await readLock(locks, key);
        if (l && l.startTs <= readTs && l.minCommitTs <= readTs) blocking.push({ key, lock: l });
      }
    } else {
      for await (const row of locks.versionsIn(target.start, target.end)) {
        const l = decodeLock(row.value ?? new Uint8Array(0));
        if (l.startTs <= readTs && l.minCommitTs <= readTs) blocking.push({ key: row.key, lock: l });
      }
    }
    if (blocking.length === 0) return false;
    for (const b of blocking) {
      if (!(await this.resolveOne(b.key, b.lock, deadline, true))) {
        throw aborted('locked', `a key the read needs is locked by a transaction in flight (started at ${b.lock.startTs})`, b.key);
      }
    }
    return true;
  }

  /** Uncertainty (DESIGN.md §6): a version in (readTs, readTs + maxClockOffset] may have committed before the read began. */
  uncertainty(readTs: bigint): bigint {
    return readTs + (BigInt(this.opts.maxClockOffsetMs) << 16n);
  }

  uncertain(key: Uint8Array, versionTs: bigint): KvError {
    return aborted('uncertain-read', `a version of the key committed at ${versionTs}, within the clock-offset window above the start timestamp; restart above it`, key, versionTs);
  }

  // ------------------------------------------------------------- resolver

  /**
   * On a group's leader: resolves locks whose TTL has passed (their
   * coordinator died or lost touch), at most `max` per pass.
   */
  async resolveExpired(group: number, max = 256): Promise<number> {
    const r = this.opts.host.replica(group);
    if (!r?.isLeader()) return 0;
    const m = GroupMachine.of(r);
    // Locks are only laid by writes: a group found without any at this write generation has none still.
    if (this.lockFreeAt.get(group) === m.writeGeneration) return 0;
    const generation = m.writeGeneration;
    const locks = m.data.store(FAMILY_LOCK);
    const now = this.nowMs();
    const chunk = await locks.export({ maxBytes: 1 << 20, maxScannedBytes: 4 << 20 });
    if (chunk.rows.length === 0 && chunk.done) this.lockFreeAt.set(group, generation);
    else this.lockFreeAt.delete(group);
    let n = 0;
    for (const row of chunk.rows) {
      if (n >= max) break;
      const l = decodeLock(row.value ?? new Uint8Array(0));
      if (l.expiresMs >= now) continue;
      try {
        if (await this.resolveOne(row.key, l, Date.now() + this.opts.requestTimeoutMs, false)) n++;
      } catch (e) {
        this.opts.log?.debug({ groupId: group, err: (e as Error).message }, 'txn resolver: a lock could not be resolved yet');
      }
    }
    return n;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KvError('DEADLINE_EXCEEDED', `no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks a TxnCommit request: keys, values and sizes as RawKV's, each key written once, a start timestamp. */
export function parseCommitRequest(r: {
  startTs: string;
  mutations: { op: string; key: Uint8Array; value: Uint8Array }[];
  isolation: string;
  readKeys: Uint8Array[];
  readRanges: { start: Uint8Array; end: Uint8Array }[];
  requestId: Uint8Array;
}): CommitRequest {
  const startTs = checkTimestamp('start_ts', r.startTs);
  if (startTs === 0n) throw new KvError('INVALID_ARGUMENT', 'start_ts: required (from BeginTxn)', { field: 'start_ts', reason: 'missing' });
  checkCount('mutations', r.mutations.length, true);
  checkCount('read_keys', r.readKeys.length, true);
  checkCount('read_ranges', r.readRanges.length, true);
  if (r.isolation !== 'SNAPSHOT' && r.isolation !== 'SERIALIZABLE') throw new KvError('INVALID_ARGUMENT', `isolation: unknown level ${r.isolation}`, { field: 'isolation' });
  let bytes = 0;
  const seen = new Set<string>();
  const mutations: KvWrite[] = r.mutations.map((m, i) => {
    const key = checkKey(`mutations[${i}].key`, m.key);
    if (m.op !== 'PUT' && m.op !== 'DELETE') throw new KvError('INVALID_ARGUMENT', `mutations[${i}].op: unknown operation ${m.op}`, { field: `mutations[${i}].op` });
    const value = m.op === 'PUT' ? checkValue(`mutations[${i}].value`, m.value) : null;
    const id = Buffer.from(key).toString('hex');
    if (seen.has(id)) throw new KvError('INVALID_ARGUMENT', `mutations[${i}].key: written twice in one transaction (keep the last write only)`, { field: `mutations[${i}].key`, reason: 'duplicate key' });
    seen.add(id);
    bytes += key.byteLength + (value?.byteLength ?? 0);
    return { key: Uint8Array.from(key), value: value === null ? null : Uint8Array.from(value) };
  });
  if (bytes > MAX_BATCH_BYTES) throw new KvError('INVALID_ARGUMENT', `mutations: ${bytes} bytes in one transaction; the limit is ${MAX_BATCH_BYTES}`, { field: 'mutations' });
  const readKeys = r.readKeys.map((k, i) => Uint8Array.from(checkKey(`read_keys[${i}]`, k)));
  const readRanges = r.readRanges.map((x) => {
    const { start, end } = checkRange(x.start, x.end);
    return { start: Uint8Array.from(start), end: Uint8Array.from(end) };
  });
  const requestId = checkRequestId(r.requestId);
  if (requestId.byteLength === 0) throw new KvError('INVALID_ARGUMENT', 'request_id: required for TxnCommit (the same id on every retry)', { field: 'request_id', reason: 'missing' });
  return { startTs, mutations, isolation: r.isolation, readKeys, readRanges, requestId: Uint8Array.from(requestId) };
}
