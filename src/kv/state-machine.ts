// The replicated RawKV state machine of one group.
//
// Apply is deterministic: a command's effect depends only on the log and the
// group's state. The commit timestamp is max(proposedTs, maxTs + 1), so commit
// timestamps increase in log order on every replica without trusting any
// clock; maxTs and the applied index are written in the same batch as the
// writes they cover. Entries at or below the stored applied index are skipped
// (after a snapshot ingest, the data is already past them). A request id seen
// before returns its stored result and writes nothing (retries apply once).
//
// Ownership: the group serves only the intervals of its ownership map (its own
// applied state, bootstrapped with the group). A write whose footprint leaves
// them is rejected at apply with NOT_OWNER and writes nothing — not even its
// request id. The default group also holds the route catalog, changed only by
// CATALOG commands; each accepted change is announced to catalog listeners
// after its batch is written.

import type { StateMachine } from '../node/replica.js';
import { EntryType, type Entry } from '../raft/index.js';
import { NodeDb, StorageBatch } from '../storage/db.js';
import { FAMILY_MVCC, compareBytes, concat, dataPrefix, escapeKey, prefixEnd, readU32, readU64, stateKey, u32, u64, unescapeKey, versionKey } from '../storage/keys.js';
import { MvccStore } from '../storage/mvcc-store.js';
import { RouteCatalog, type CatalogCommand, type CatalogImage, type RouteDescriptor } from '../routing/catalog.js';
import { decodeCatalog, encodeCatalog } from '../routing/codec.js';
import { decodeOwnership, encodeOwnership } from '../distribution/ownership-codec.js';
import { OwnershipMap, type NotOwned } from '../distribution/ownership.js';
import {
  changeCursor,
  decodeGroupJobState,
  encodeGroupJobState,
  hex,
  newGroupJobState,
  unhex,
  type GroupJobState,
} from '../migration/group-state.js';
import { AFTER_RELEASE, TERMINAL, decodeJob, encodeJob, type SplitJob } from '../migration/job.js';
import { decodeMigrationRow, encodeMigrationRow, type MigrationRow } from '../migration/rows.js';
import { EMPTY_RESULT, decodeCommand, decodeResult, encodeResult, type KvCommand, type KvResult, type MigrationCommand } from './commands.js';
import { applyTxn, type TxnStore } from './txn-apply.js';
import { clockViolation } from './clock-bound.js';
import { FAMILY_LOCK, FAMILY_TXN, decodeLock, decodeRecord, encodeLock, encodeRecord, type Lock, type TxnRecord } from './txn-records.js';

export const FAMILY_DEDUP = 0x10;
/** Per-job change logs of captured ranges: [job u64][attempt u32][seq u64] → MigrationRow. */
export const FAMILY_CHANGELOG = 0x30;
/** How long a client waits before retrying a fenced write (the fence window is short). */
const FENCE_RETRY_MS = 20;
/** A change log larger than this makes the source abandon the attempt itself (MIGRATION.md CATCHUP). */
export const MAX_CHANGE_LOG_BYTES = 256 << 20;
/** How long a replica keeps a verification read point. */
const DIGEST_TTL_MS = 120_000;
/** Terminal job records kept (newest first). */
const JOB_HISTORY = 1000;
const MAX_TS = (1n << 64n) - 1n;
/** Catalog changes kept in memory so a watcher can resume with deltas. */
const CATALOG_HISTORY = 1000;

/** A catalog change as watchers see it: the whole catalog (`reset`) or the routes changed at `version`. */
export interface CatalogEvent {
  readonly version: number;
  readonly reset: boolean;
  readonly routes: readonly RouteDescriptor[];
}

export interface GroupBootstrapState {
  readonly owned: OwnershipMap;
  /** The default group only: the initial route catalog. */
  readonly catalog?: CatalogImage;
}

export class KvStateMachine implements StateMachine {
  readonly mvcc: MvccStore;
  /** Transaction locks and commit records (src/kv/txn-records.ts). */
  readonly locks: MvccStore;
  readonly records: MvccStore;
  applied = 0;
  /** The group's closed timestamp: every commit so far is at or below it. */
  maxTs = 0n;
  /** Versions shadowed at or below this timestamp may be gone: reads below it are refused. */
  safePoint = 0n;
  /** The intervals this group serves (its applied state). */
  ownership = new OwnershipMap([]);
  /** The route catalog, in the default group only. */
  catalog: RouteCatalog | undefined;
  private catalogHistory: CatalogEvent[] = [];
  /** Migration jobs this group takes part in, by job id (its applied state; MIGRATION.md). */
  readonly jobs = new Map<number, GroupJobState>();
  /** Default group only: the job records (the migrator's mirror and to-do list). */
  readonly splitJobs = new Map<number, SplitJob>();
  private nextJobId = 1;
  private readonly jobListeners = new Set<(j: SplitJob) => void>();
  private readonly catalogListeners = new Set<(e: CatalogEvent) => void>();
  private readonly ownershipWaiters = new Set<() => void>();
  private ownershipMoved = false;
  /** Jobs whose state changed in the batch being applied (written by writeState). */
  private readonly dirtyJobs = new Set<number>();
  private readonly appliedKey: Uint8Array;
  private readonly maxTsKey: Uint8Array;

  private constructor(
    readonly db: NodeDb,
    readonly group: number,
  ) {
    this.mvcc = new MvccStore(db, group, FAMILY_MVCC);
    this.locks = new MvccStore(db, group, FAMILY_LOCK);
    this.records = new MvccStore(db, group, FAMILY_TXN);
    this.appliedKey = stateKey(group, 'applied');
    this.maxTsKey = stateKey(group, 'maxts');
  }

  /**
   * TEST-ONLY failpoint (FERRYKV_FAILPOINT_SKIP_APPLY_KEY with test hooks, on
   * one node): this replica silently skips writing versions of this key, so
   * replica verification has a real divergence to find.
   */
  skipApplyKey: Uint8Array | undefined;
  /** TEST-ONLY failpoint (FERRYKV_FAILPOINT_IMPORT_SKIP_KEY): imports drop this key's versions. */
  skipImportKey: Uint8Array | undefined;

  static async open(db: NodeDb, group: number, opts: { skipApplyKey?: Uint8Array; skipImportKey?: Uint8Array } = {}): Promise<KvStateMachine> {
    const sm = new KvStateMachine(db, group);
    sm.skipApplyKey = opts.skipApplyKey;
    sm.skipImportKey = opts.skipImportKey;
    await sm.reload();
    return sm;
  }

  /** Writes a new group's initial ownership (and catalog) in the batch that bootstraps it. */
  static writeBootstrap(b: StorageBatch, group: number, state: GroupBootstrapState): void {
    b.put(stateKey(group, 'ownership'), encodeOwnership(state.owned));
    if (state.catalog) b.put(stateKey(group, 'catalog'), encodeCatalog(RouteCatalog.fromImage(state.catalog).image()));
  }

  /** Re-reads applied index, closed timestamp, ownership and catalog (after a snapshot was ingested). */
  async reload(): Promise<void> {
    const a = await this.db.level.get(this.appliedKey);
    this.applied = a === undefined ? 0 : Number(readU64(a, 0));
    const m = await this.db.level.get(this.maxTsKey);
    this.maxTs = m === undefined ? 0n : readU64(m, 0);
    const gcs = await this.db.level.get(stateKey(this.group, 'gcsafe'));
    this.safePoint = gcs === undefined ? 0n : readU64(gcs, 0);
    const o = await this.db.level.get(stateKey(this.group, 'ownership'));
    this.ownership = o === undefined ? new OwnershipMap([]) : decodeOwnership(o);
    this.wakeOwnershipWaiters();
    this.jobs.clear();
    this.dirtyJobs.clear();
    const jp = stateKey(this.group, 'mig/');
    for await (const [, v] of this.db.level.iterator({ gte: jp, lt: prefixEnd(jp) })) {
      const st = decodeGroupJobState(v);
      this.jobs.set(st.jobId, st);
    }
    this.splitJobs.clear();
    const sp = stateKey(this.group, 'job/');
    for await (const [, v] of this.db.level.iterator({ gte: sp, lt: prefixEnd(sp) })) {
      const j = decodeJob(new TextDecoder().decode(v));
      this.splitJobs.set(j.jobId, j);
    }
    const seq = await this.db.level.get(stateKey(this.group, 'jobseq'));
    this.nextJobId = seq === undefined ? 1 : Number(readU64(seq, 0));
    const c = await this.db.level.get(stateKey(this.group, 'catalog'));
    const before = this.catalog?.version;
    this.catalog = c === undefined ? undefined : RouteCatalog.fromImage(decodeCatalog(c));
    this.catalogHistory = [];
    if (this.catalog && this.catalog.version !== before) this.emitCatalog({ version: this.catalog.version, reset: true, routes: this.catalog.list() });
  }

  /** Calls `f` after every applied catalog change; returns the unsubscribe function. */
  onCatalogChange(f: (e: CatalogEvent) => void): () => void {
    this.catalogListeners.add(f);
    return () => this.catalogListeners.delete(f);
  }

  /** The changes after `version`, if they are all still in memory (else a watcher needs a reset). */
  catalogChangesSince(version: number): CatalogEvent[] | undefined {
    if (!this.catalog) return undefined;
    if (version >= this.catalog.version) return [];
    const first = this.catalogHistory[0];
    if (!first || first.version > version + 1) return undefined;
    return this.catalogHistory.filter((e) => e.version > version);
  }

  private emitCatalog(e: CatalogEvent): void {
    for (const f of this.catalogListeners) {
      try {
        f(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  private dedupKey(requestId: Uint8Array): Uint8Array {
    return concat([dataPrefix(this.group, FAMILY_DEDUP), escapeKey(requestId)]);
  }

  appliedIndex(): number {
    return this.applied;
  }

  /** Applies committed entries; returns RawKV results by log index. Membership entries are the host's. */
  async applyEntries(entries: readonly Entry[]): Promise<Map<number, KvResult>> {
    const results = new Map<number, KvResult>();
    const seen = new Map<string, KvResult>(); // request ids applied in this pass
    const catalogEvents: CatalogEvent[] = [];
    const jobEvents: SplitJob[] = [];
    let b = this.db.batch();
    let dirty = false;
    // User keys written by this batch so far (transaction steps read only their own keys' state).
    const touched = new Set<string>();
    let touchedAll = false;
    const flush = async (): Promise<void> => {
      this.writeState(b);
      await b.write({ sync: false });
      b = this.db.batch();
      dirty = false;
      touched.clear();
      touchedAll = false;
    };
    for (const e of entries) {
      if (e.index <= this.applied) continue;
      if (e.type === EntryType.Normal && e.data.byteLength > 0) {
        let cmd: KvCommand | undefined;
        try {
          cmd = decodeCommand(e.data);
        } catch {
          // Deterministic on every replica: an undecodable entry applies as a no-op.
          cmd = undefined;
        }
        if (cmd) {
          if (dirty && (cmd.kind === 'CAS' || cmd.kind === 'DELETE_RANGE' || cmd.kind === 'DEDUP_GC' || cmd.kind === 'MVCC_GC')) await flush();
          // Commands that read state see every earlier entry's writes. A
          // transaction step reads only its own keys: it needs the flush only
          // if an earlier entry of this batch wrote one of them.
          if (dirty && (cmd.kind === 'MIGRATION' || cmd.kind === 'DIGEST')) await flush();
          const keys = cmd.kind === 'TXN' ? txnKeys(cmd) : [];
          if (dirty && cmd.kind === 'TXN' && (touchedAll || keys.some((k) => k === '*' || touched.has(k)))) await flush();
          results.set(e.index, await this.applyCommand(b, cmd, seen, catalogEvents, e.index, jobEvents));
          dirty = true;
          if (cmd.kind === 'WRITE') for (const w of cmd.writes ?? []) touched.add(Buffer.from(w.key).toString('hex'));
          else if (cmd.kind === 'TXN') {
            if (keys.includes('*')) touchedAll = true;
            else for (const k of keys) touched.add(k);
          } else if (cmd.kind !== 'BUMP_TS' && cmd.kind !== 'CATALOG' && cmd.kind !== 'JOB') touchedAll = true;
        }
      }
      this.applied = e.index;
    }
    this.writeState(b);
    await b.write({ sync: false });
    if (this.ownershipMoved) {
      this.ownershipMoved = false;
      this.wakeOwnershipWaiters();
    }
    for (const ev of catalogEvents) {
      this.catalogHistory.push(ev);
      if (this.catalogHistory.length > CATALOG_HISTORY) this.catalogHistory.shift();
      this.emitCatalog(ev);
    }
    for (const j of jobEvents) {
      for (const f of this.jobListeners) {
        try {
          f(j);
        } catch {
          /* a listener's failure is its own */
        }
      }
    }
    return results;
  }

  /** Digest read points by id: a LevelDB snapshot at the DIGEST entry, released after DIGEST_TTL_MS. */
  private readonly digests = new Map<string, { snapshot: ReturnType<NodeDb['level']['snapshot']>; index: number; timer: NodeJS.Timeout }>();

  private takeDigest(id: string, index: number): void {
    if (this.digests.has(id)) return;
    const snapshot = this.db.level.snapshot();
    const timer = setTimeout(() => this.releaseDigest(id), DIGEST_TTL_MS);
    timer.unref();
    this.digests.set(id, { snapshot, index, timer });
  }

  /** The snapshot of a digest read point, if this replica applied it (and it has not expired). */
  digest(id: string): { snapshot: ReturnType<NodeDb['level']['snapshot']>; index: number } | undefined {
    return this.digests.get(id);
  }

  releaseDigest(id: string): void {
    const d = this.digests.get(id);
    if (!d) return;
    this.digests.delete(id);
    clearTimeout(d.timer);
    d.snapshot.close().catch(() => {});
  }

  /** Calls `f` after every applied job record change; returns the unsubscribe function. */
  onJobChange(f: (j: SplitJob) => void): () => void {
    this.jobListeners.add(f);
    return () => this.jobListeners.delete(f);
  }

  /**
   * Creates or updates a job record (default group). Creation checks, here in
   * apply, that the route exists, is not busy, and the live-job cap is not
   * reached — so concurrent admin calls cannot both pass — and marks the route
   * MOVING in the same command. An update applies only at the expected version,
   * with its catalog change (cutover, abandon) atomically.
   */
  private applyJob(b: StorageBatch, cmd: KvCommand, catalogEvents: CatalogEvent[], jobEvents: SplitJob[]): KvResult {
    const jc = cmd.job;
    if (!this.catalog || !jc) return rejected('INVALID_ARGUMENT', `group ${this.group} holds no job records (the default group does)`);
    let rec: SplitJob;
    try {
      rec = decodeJob(jc.recordJson);
    } catch {
      return rejected('INVALID_ARGUMENT', 'job: malformed record');
    }
    const applyCatalog = (c: CatalogCommand): KvResult | undefined => {
      const res = this.catalog!.apply(c);
      if (!res.ok) return rejected(res.code === 'INVALID_ARGUMENT' || res.code === 'NOT_FOUND' ? 'INVALID_ARGUMENT' : 'ABORTED', `${res.code}: ${res.message}`);
      if (!res.noop) {
        b.put(stateKey(this.group, 'catalog'), encodeCatalog(this.catalog!.image()));
        catalogEvents.push({ version: res.version, reset: false, routes: res.changed });
      }
      return undefined;
    };
    if (jc.kind === 'CREATE') {
      const route = this.catalog.list().find((r) => r.routeId === rec.routeId);
      if (!route) return rejected('INVALID_ARGUMENT', `route ${rec.routeId} does not exist (it may have been split: list routes again)`);
      if (route.state !== 'ACTIVE') return rejected('ABORTED', `route busy: route ${rec.routeId} is ${route.state}`);
      if (route.groupId !== rec.sourceGroup) return rejected('ABORTED', `route ${rec.routeId} is served by group ${route.groupId}, not ${rec.sourceGroup}`);
      if (route.groupId === rec.targetGroup) return rejected('INVALID_ARGUMENT', `target_group: route ${rec.routeId} is already in group ${rec.targetGroup}`);
      const live = [...this.splitJobs.values()].filter((j) => !TERMINAL.has(j.phase) || (j.phase === 'FAILED' && AFTER_RELEASE.has(j.retreatedFrom ?? 'DONE'))).length;
      if (jc.maxLiveJobs && live >= jc.maxLiveJobs) return rejected('OVERLOADED', `live-job cap reached: ${live} live jobs (max ${jc.maxLiveJobs})`);
      const bad = applyCatalog({ kind: 'SET_STATE', routeId: route.routeId, state: 'MOVING', expectedRouteVersion: route.version });
      if (bad) return bad;
      const created: SplitJob = { ...rec, jobId: this.nextJobId, version: 1, start: hex(route.start), end: hex(route.end), phase: 'CLEAR_TARGET' };
      this.nextJobId++;
      b.put(stateKey(this.group, 'jobseq'), u64(BigInt(this.nextJobId)));
      this.storeJob(b, created, jobEvents);
      return { ...EMPTY_RESULT, stateJson: encodeJob(created), jobId: created.jobId };
    }
    const cur = this.splitJobs.get(rec.jobId);
    if (!cur) return rejected('INVALID_ARGUMENT', `job ${rec.jobId} does not exist`);
    if (cur.version !== jc.expectedVersion) return { ...rejected('ABORTED', `VERSION_MISMATCH: job ${rec.jobId} is at version ${cur.version}, not ${jc.expectedVersion ?? 0}`), stateJson: encodeJob(cur) };
    if (TERMINAL.has(cur.phase) && cur.phase !== 'FAILED') return { ...rejected('ABORTED', `job ${rec.jobId} is ${cur.phase}`), stateJson: encodeJob(cur) };
    if (jc.catalog) {
      const bad = applyCatalog(jc.catalog);
      if (bad) return { ...bad, stateJson: encodeJob(cur) };
    }
    const next: SplitJob = { ...rec, version: cur.version + 1 };
    this.storeJob(b, next, jobEvents);
    this.trimJobHistory(b);
    return { ...EMPTY_RESULT, stateJson: encodeJob(next), jobId: next.jobId };
  }

  private storeJob(b: StorageBatch, j: SplitJob, jobEvents: SplitJob[]): void {
    this.splitJobs.set(j.jobId, j);
    b.put(this.jobKey(j.jobId), new TextEncoder().encode(encodeJob(j)));
    jobEvents.push(j);
  }

  private jobKey(jobId: number): Uint8Array {
    return stateKey(this.group, `job/${String(jobId).padStart(12, '0')}`);
  }

  /** Terminal jobs beyond the newest JOB_HISTORY are forgotten (a FAILED job after release stays until cleared). */
  private trimJobHistory(b: StorageBatch): void {
    const done = [...this.splitJobs.values()].filter((j) => j.phase === 'DONE' || j.phase === 'ABANDONED').sort((a, c) => a.jobId - c.jobId);
    for (const j of done.slice(0, Math.max(0, done.length - JOB_HISTORY))) {
      this.splitJobs.delete(j.jobId);
      b.del(this.jobKey(j.jobId));
    }
  }

  private applyCatalog(b: StorageBatch, cmd: KvCommand, events: CatalogEvent[]): KvResult {
    if (!this.catalog) return rejected('INVALID_ARGUMENT', `group ${this.group} holds no route catalog (the default group does)`);
    if (!cmd.catalog) return rejected('INVALID_ARGUMENT', 'catalog command without a change');
    const res = this.catalog.apply(cmd.catalog);
    // Catalog refusals as client errors: bad input, or a precondition that no longer holds (re-read and retry).
    if (!res.ok) return rejected(res.code === 'INVALID_ARGUMENT' || res.code === 'NOT_FOUND' ? 'INVALID_ARGUMENT' : 'ABORTED', `${res.code}: ${res.message}`);
    if (!res.noop) {
      b.put(stateKey(this.group, 'catalog'), encodeCatalog(this.catalog.image()));
      events.push({ version: res.version, reset: false, routes: res.changed });
    }
    return { ...EMPTY_RESULT, catalogVersion: res.version, routes: res.noop ? [] : res.changed, succeeded: !res.noop };
  }

  // ------------------------------------------------------------ migration

  /** Writes one MVCC version, and records it in the change log of a job capturing its key. */
  private putVersion(b: StorageBatch, key: Uint8Array, ts: bigint, value: Uint8Array | null): void {
    if (this.skipApplyKey && compareBytes(this.skipApplyKey, key) === 0) return;
    if (value === null) this.mvcc.deleteVersion(b, key, ts);
    else this.mvcc.putVersion(b, key, ts, value);
    this.capture(b, key, undefined, { family: FAMILY_MVCC, key, ts, value: value ?? new Uint8Array(0), tombstone: value === null, delete: false });
  }

  /** The transaction steps' view of this group (src/kv/txn-apply.ts). */
  private readonly txnStore: TxnStore = ((sm: KvStateMachine): TxnStore => ({
    get mvcc() {
      return sm.mvcc;
    },
    get locks() {
      return sm.locks;
    },
    get records() {
      return sm.records;
    },
    get maxTs() {
      return sm.maxTs;
    },
    set maxTs(v: bigint) {
      sm.maxTs = v;
    },
    get safePoint() {
      return sm.safePoint;
    },
    putVersion: (b, key, ts, value) => sm.putVersion(b, key, ts, value),
    putLock: (b, key, lock) => sm.putLock(b, key, lock),
    deleteLock: (b, key, startTs) => sm.deleteLock(b, key, startTs),
    putRecord: (b, primary, startTs, rec) => sm.putRecord(b, primary, startTs, rec),
  }))(this);

  private putLock(b: StorageBatch, key: Uint8Array, lock: Lock): void {
    const value = encodeLock(lock);
    this.locks.putVersion(b, key, lock.startTs, value);
    this.capture(b, key, undefined, { family: FAMILY_LOCK, key, ts: lock.startTs, value, tombstone: false, delete: false });
  }

  private deleteLock(b: StorageBatch, key: Uint8Array, startTs: bigint): void {
    b.del(versionKey(this.group, FAMILY_LOCK, key, startTs));
    this.capture(b, key, undefined, { family: FAMILY_LOCK, key, ts: startTs, value: new Uint8Array(0), tombstone: false, delete: true });
  }

  private putRecord(b: StorageBatch, primary: Uint8Array, startTs: bigint, rec: TxnRecord): void {
    const value = encodeRecord(rec);
    this.records.putVersion(b, primary, startTs, value);
    this.capture(b, primary, undefined, { family: FAMILY_TXN, key: primary, ts: startTs, value, tombstone: false, delete: false });
  }

  /**
   * Appends `row` to the change log of every job capturing a key of [start,
   * end) (end undefined: the key `start`). The effect, never the command.
   */
  private capture(b: StorageBatch, start: Uint8Array, end: Uint8Array | undefined, row: MigrationRow): void {
    if (this.jobs.size === 0) return;
    const ivs = end === undefined ? [this.ownership.find(start)].filter((x) => x !== undefined) : this.ownership.overlapping(start, end);
    const seen = new Set<number>();
    for (const iv of ivs) {
      if (iv.state !== 'capturing' || iv.jobId === undefined || seen.has(iv.jobId)) continue;
      seen.add(iv.jobId);
      const st = this.jobs.get(iv.jobId);
      if (!st || st.role !== 'source' || st.state !== 'capturing') continue;
      const seq = st.head + 1;
      const enc = encodeMigrationRow(row);
      b.put(this.changeLogKey(st.jobId, st.attempt, seq), enc);
      const next = { ...st, head: seq, logBytes: st.logBytes + enc.byteLength };
      if (next.logBytes > MAX_CHANGE_LOG_BYTES) {
        // A sick target must not fill this group's disk: the attempt abandons
        // itself, here, in apply (it can no longer release; writes go on uncaptured).
        this.saveJob(b, { ...next, state: 'abandoned' });
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'owned' }));
      } else {
        this.saveJob(b, next);
      }
    }
  }

  /** Whether a migration holds any key of a request-id entry's footprint (its expiry then waits). */
  private heldByMigration(d: { start: Uint8Array; end: Uint8Array }): boolean {
    if (this.jobs.size === 0) return false;
    return this.ownership.overlapping(d.start, d.end).some((iv) => iv.state !== 'owned');
  }

  changeLogKey(jobId: number, attempt: number, seq: number): Uint8Array {
    return concat([dataPrefix(this.group, FAMILY_CHANGELOG), u64(BigInt(jobId)), u32(attempt), u64(BigInt(seq))]);
  }

  /** Change-log entries of (job, attempt) after `afterSeq`, at most `maxBytes` (at least one if any). */
  async readChangeLog(jobId: number, attempt: number, afterSeq: number, maxBytes: number): Promise<{ seq: number; row: MigrationRow }[]> {
    const out: { seq: number; row: MigrationRow }[] = [];
    const prefix = concat([dataPrefix(this.group, FAMILY_CHANGELOG), u64(BigInt(jobId)), u32(attempt)]);
    let bytes = 0;
    for await (const [k, v] of this.db.level.iterator({ gt: this.changeLogKey(jobId, attempt, afterSeq), lt: prefixEnd(prefix) })) {
      out.push({ seq: Number(readU64(k, k.byteLength - 8)), row: decodeMigrationRow(v) });
      bytes += v.byteLength;
      if (bytes >= maxBytes) break;
    }
    return out;
  }

  /**
   * Records a job's new state. It is written with the batch (writeState), once
   * per batch however often it changed: a capturing source changes it on every
   * captured write, and encoding it each time doubled the cost of capture.
   */
  private saveJob(_b: StorageBatch, st: GroupJobState): void {
    this.jobs.set(st.jobId, st);
    this.dirtyJobs.add(st.jobId);
  }

  /** Resolves after the next applied batch that changed ownership, or after `ms` (a fenced write waits here). */
  ownershipChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ownershipWaiters.delete(wake);
        resolve();
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.ownershipWaiters.add(wake);
    });
  }

  private wakeOwnershipWaiters(): void {
    const waiters = [...this.ownershipWaiters];
    this.ownershipWaiters.clear();
    for (const w of waiters) w();
  }

  private setOwnership(b: StorageBatch, next: OwnershipMap): void {
    this.ownershipMoved = true;
    this.ownership = next;
    b.put(stateKey(this.group, 'ownership'), encodeOwnership(next));
  }

  /**
   * One migration step (MIGRATION.md). Each checks this group's state for
   * (job, attempt) and either applies, answers idempotently with the current
   * state, or refuses (ABORTED, with the state) leaving everything as it was.
   */
  private async applyMigration(b: StorageBatch, m: MigrationCommand | undefined, index: number): Promise<KvResult> {
    if (!m || m.jobId <= 0) return rejected('INVALID_ARGUMENT', 'migration command without a job');
    const st = this.jobs.get(m.jobId);
    const start = m.start ?? new Uint8Array(0);
    const end = m.end ?? new Uint8Array(0);
    const answer = (x: GroupJobState | undefined, extra: Partial<KvResult> = {}): KvResult => ({ ...EMPTY_RESULT, ...(x ? { stateJson: JSON.stringify(x) } : {}), ...extra });
    const refuse = (why: string): KvResult => ({ ...rejected('ABORTED', `group ${this.group}, job ${m.jobId} attempt ${m.attempt}: ${why}`), ...(st ? { stateJson: JSON.stringify(st) } : {}) });
    if (st && m.attempt < st.attempt) return refuse(`stale attempt (the group is at attempt ${st.attempt})`);
    const sameAttempt = st !== undefined && st.attempt === m.attempt;
    switch (m.kind) {
      case 'CLEAR': {
        if (!st || (!sameAttempt && (st.state === 'removed' || st.state === 'abandoned'))) {
          if (st && st.state === 'abandoned' && st.role === 'target') return refuse('the previous attempt is still being removed');
          // Take the interval: it must hold nothing served here (a leftover of this job is fine).
          // A range this group released to an earlier job, once cleaned up, may come back:
          // the later job overwrites the interval (MIGRATION.md, per-group ownership map).
          const movedAway = (iv: { state: string; jobId?: number }): boolean => iv.state === 'released' && iv.jobId !== undefined && iv.jobId < m.jobId && this.jobs.get(iv.jobId)?.cleaned === true;
          for (const iv of this.ownership.overlapping(start, end)) {
            if (iv.jobId !== m.jobId && !movedAway(iv)) return refuse(`the group already holds part of the range (${iv.state})`);
          }
          const fresh = newGroupJobState({ jobId: m.jobId, attempt: m.attempt, role: 'target', start: hex(start), end: hex(end), peerGroup: m.peerGroup ?? 0, state: 'clearing' });
          this.setOwnership(b, this.ownership.with(start, end, { state: 'clearing', jobId: m.jobId }));
          this.saveJob(b, fresh);
          return this.clearStep(b, fresh, m.maxKeys);
        }
        if (st.role !== 'target') return refuse('not the target of this job');
        if (sameAttempt && (st.state === 'clearing' || st.state === 'abandoned')) return this.clearStep(b, st, m.maxKeys);
        if (sameAttempt && (st.state === 'importing' || st.state === 'adopted' || st.state === 'removed')) return answer(st);
        return refuse(`cannot clear in state ${st.state}`);
      }
      case 'BEGIN_CAPTURE': {
        if (st && sameAttempt) return st.role === 'source' && (st.state === 'capturing' || st.state === 'fenced' || st.state === 'released') ? answer(st) : refuse(`cannot capture in state ${st.state}`);
        if (st && st.state !== 'abandoned') return refuse(`attempt ${st.attempt} is still ${st.state}`);
        const ivs = this.ownership.overlapping(start, end);
        const covered = this.ownership.check(start, end, 'write') === undefined;
        if (!covered || ivs.some((iv) => iv.state !== 'owned')) return refuse('the group does not own the whole range, or part of it is busy');
        const fresh = { ...newGroupJobState({ jobId: m.jobId, attempt: m.attempt, role: 'source', start: hex(start), end: hex(end), peerGroup: m.peerGroup ?? 0, state: 'capturing' }), captureIndex: index };
        this.setOwnership(b, this.ownership.with(start, end, { state: 'capturing', jobId: m.jobId }));
        this.saveJob(b, fresh);
        return answer(fresh);
      }
      case 'FENCE': {
        if (!st || !sameAttempt || st.role !== 'source') return refuse('no capture of this attempt here');
        if (st.state === 'fenced' || st.state === 'released') return answer(st);
        if (st.state !== 'capturing') return refuse(`cannot fence in state ${st.state}`);
        const next = { ...st, state: 'fenced' as const, fenceEpoch: st.fenceEpoch + 1 };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'fenced', jobId: m.jobId }));
        this.saveJob(b, next);
        return answer(next);
      }
      case 'UNFENCE': {
        if (!st || !sameAttempt || st.state !== 'fenced' || st.fenceEpoch !== m.fenceEpoch) return answer(st);
        const next = { ...st, state: 'capturing' as const };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'capturing', jobId: m.jobId }));
        this.saveJob(b, next);
        return answer(next);
      }
      case 'RELEASE': {
        if (!st || !sameAttempt || st.role !== 'source') return refuse('no capture of this attempt here');
        if (st.state === 'released') return answer(st);
        if (st.state !== 'fenced' || st.fenceEpoch !== m.fenceEpoch) return refuse(`RELEASE_PRECONDITION: state ${st.state}, fence epoch ${st.fenceEpoch}`);
        if (st.head !== m.head) return refuse(`RELEASE_PRECONDITION: change-log head is ${st.head}, replayed ${m.head ?? 0}`);
        // Every commit and every served read timestamp of this group is at or below maxTs.
        const next = { ...st, state: 'released' as const, releaseTs: this.maxTs.toString(), releaseSafePoint: this.safePoint.toString() };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'released', jobId: m.jobId, targetGroup: st.peerGroup }));
        this.saveJob(b, next);
        return answer(next);
      }
      case 'IMPORT': {
        if (!st || !sameAttempt || st.role !== 'target') return refuse('no import of this attempt here');
        if (st.state !== 'importing') return answer(st, { succeeded: false });
        if (hex(m.fromCursor ?? new Uint8Array(0)) !== st.cursor) return answer(st, { succeeded: false }); // not where T is: no effect
        const lo = unhex(st.start);
        const hi = unhex(st.end);
        const inRange = (k: Uint8Array): boolean => compareBytes(k, lo) >= 0 && (hi.byteLength === 0 || compareBytes(k, hi) < 0);
        // Check every row before writing any: a refused chunk must leave nothing behind.
        for (const row of m.rows ?? []) {
          if (row.family === FAMILY_MVCC || row.family === FAMILY_LOCK || row.family === FAMILY_TXN) {
            if (!inRange(row.key)) return refuse('an imported row lies outside the range');
            try {
              if (row.family === FAMILY_LOCK && !row.delete) decodeLock(row.value);
              if (row.family === FAMILY_TXN && !row.delete) decodeRecord(row.value);
            } catch {
              return refuse('an imported transaction row is malformed');
            }
          } else if (row.family === FAMILY_DEDUP) {
            if (row.delete) continue;
            let fp: { start: Uint8Array; end: Uint8Array };
            try {
              fp = decodeDedup(row.value);
            } catch {
              return refuse('an imported request-id entry is malformed');
            }
            const overlaps = (hi.byteLength === 0 || compareBytes(fp.start, hi) < 0) && (fp.end.byteLength === 0 || compareBytes(fp.end, lo) > 0);
            if (!overlaps) return refuse('an imported request-id entry lies outside the range');
          } else {
            return refuse(`an imported row of unknown family ${row.family}`);
          }
        }
        let maxTs = BigInt(st.importedMaxTs);
        for (const row of m.rows ?? []) {
          if (row.family === FAMILY_MVCC) {
            // TEST-ONLY failpoint: the target advances its cursor but drops this key's versions (VERIFY must catch it).
            if (this.skipImportKey && compareBytes(this.skipImportKey, row.key) === 0) continue;
            if (row.tombstone) this.mvcc.deleteVersion(b, row.key, row.ts);
            else this.mvcc.putVersion(b, row.key, row.ts, row.value);
            if (row.ts > maxTs) maxTs = row.ts;
          } else if (row.family === FAMILY_LOCK || row.family === FAMILY_TXN) {
            // Locks and records move with their keys; start and commit timestamps count toward the floor.
            const store = row.family === FAMILY_LOCK ? this.locks : this.records;
            if (row.delete) b.del(versionKey(this.group, row.family, row.key, row.ts));
            else {
              store.putVersion(b, row.key, row.ts, row.value);
              const commitTs = row.family === FAMILY_TXN ? decodeRecord(row.value).commitTs : 0n;
              if (commitTs > maxTs) maxTs = commitTs;
            }
            if (row.ts > maxTs) maxTs = row.ts;
          } else if (row.delete) b.del(this.dedupKey(row.key));
          else b.put(this.dedupKey(row.key), row.value);
        }
        const next = { ...st, cursor: hex(m.toCursor ?? new Uint8Array(0)), importedMaxTs: maxTs.toString() };
        this.saveJob(b, next);
        return answer(next);
      }
      case 'ADOPT': {
        if (!st || !sameAttempt || st.role !== 'target') return refuse('no import of this attempt here');
        if (st.state === 'adopted') return answer(st);
        if (st.state !== 'importing') return refuse(`cannot adopt in state ${st.state}`);
        if (st.cursor !== hex(changeCursor(m.head ?? 0))) return refuse(`ADOPT_PRECONDITION: the import cursor is not at the release head ${m.head ?? 0}`);
        const imported = BigInt(st.importedMaxTs);
        const released = m.releaseTs ?? 0n;
        const floor = imported > released ? imported : released;
        // Every later commit here is above the floor (commitTs = max(proposed, maxTs + 1)).
        if (floor > this.maxTs) this.maxTs = floor;
        // S may have collected versions below its safe point: reads below it must not come here either.
        if ((m.safePoint ?? 0n) > this.safePoint) {
          this.safePoint = m.safePoint ?? 0n;
          b.put(stateKey(this.group, 'gcsafe'), u64(this.safePoint));
        }
        const next = { ...st, state: 'adopted' as const, floor: floor.toString() };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'owned' }));
        this.saveJob(b, next);
        return answer(next);
      }
      case 'ABANDON': {
        if (!st || !sameAttempt) return st ? refuse('no such attempt here') : answer(undefined);
        if (st.state === 'abandoned' || st.state === 'removed') return answer(st);
        if (st.role === 'source') {
          if (st.state === 'released') return refuse('RELEASED: the range was released; the job can only roll forward');
          const next = { ...st, state: 'abandoned' as const };
          this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'owned' }));
          this.saveJob(b, next);
          return answer(next);
        }
        if (st.state === 'adopted') return refuse('ADOPTED: the target already serves the range');
        const next = { ...st, state: 'abandoned' as const };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'clearing', jobId: m.jobId }));
        this.saveJob(b, next);
        return answer(next);
      }
      case 'CLEANUP': {
        if (!st || !sameAttempt || st.role !== 'source' || st.state !== 'released') return refuse('cleanup needs a released range');
        if (st.cleaned) return answer(st);
        const res = await this.clearFamilies(b, unhex(st.start), unhex(st.end), m.maxKeys, m.fromCursor);
        const next = res.cursor === undefined ? { ...st, cleaned: true } : st;
        if (next !== st) this.saveJob(b, next);
        return answer(next, { deleted: res.deleted, more: res.cursor !== undefined, resumeKey: res.cursor ?? new Uint8Array(0) });
      }
      case 'REPAIR': {
        // RepairFromSource (MIGRATION.md VERIFY): after a failed verification the
        // target gets the versions it lacks from the source's frozen copy. It only
        // adds: versions are immutable, so rewriting one that exists changes nothing.
        if (!st || !sameAttempt || st.role !== 'target' || st.state !== 'adopted') return refuse('repair needs a target that adopted the range');
        const lo = unhex(st.start);
        const hi = unhex(st.end);
        const floor = BigInt(st.floor);
        for (const row of m.rows ?? []) {
          if (row.family !== FAMILY_MVCC || compareBytes(row.key, lo) < 0 || (hi.byteLength > 0 && compareBytes(row.key, hi) >= 0) || row.ts > floor) {
            return refuse('a repair row lies outside the range or above the floor');
          }
        }
        for (const row of m.rows ?? []) {
          if (row.tombstone) this.mvcc.deleteVersion(b, row.key, row.ts);
          else this.mvcc.putVersion(b, row.key, row.ts, row.value);
        }
        return answer(st, { deleted: (m.rows ?? []).length });
      }
      case 'FINISH': {
        // The job is done (its copy verified): the target's range is like any other now.
        if (!st || !sameAttempt || st.role !== 'target' || st.state !== 'adopted') return refuse('finish needs a target that adopted the range');
        if (st.cleaned) return answer(st);
        const next = { ...st, cleaned: true };
        this.saveJob(b, next);
        return answer(next);
      }
      case 'TRUNCATE_LOG': {
        if (!st || st.role !== 'source') return refuse('no change log of this job here');
        const through = Math.min(m.throughSeq ?? 0, st.head);
        const prefix = concat([dataPrefix(this.group, FAMILY_CHANGELOG), u64(BigInt(m.jobId)), u32(m.attempt)]);
        let n = 0;
        const limit = Math.max(1, Math.min(m.maxKeys ?? 1000, 10_000));
        let freed = 0;
        for await (const [k, v] of this.db.level.iterator({ gte: prefix, lte: this.changeLogKey(m.jobId, m.attempt, through), limit })) {
          b.del(k);
          freed += v.byteLength;
          n++;
        }
        const next = sameAttempt ? { ...st, truncated: Math.max(st.truncated, n < limit ? through : st.truncated), logBytes: Math.max(0, st.logBytes - freed) } : st;
        if (next !== st) this.saveJob(b, next);
        return answer(next, { deleted: n, more: n >= limit });
      }
    }
  }

  /** Deletes a bounded batch of the range's versions, then its locks, then its transaction records (cursor undefined: all gone). */
  private async clearFamilies(
    b: StorageBatch,
    start: Uint8Array,
    end: Uint8Array,
    maxKeys: number | undefined,
    resume?: Uint8Array,
  ): Promise<{ deleted: number; cursor: Uint8Array | undefined }> {
    const opts = { start, ...(end.byteLength > 0 ? { end } : {}), maxVersions: Math.max(1, Math.min(maxKeys ?? 1000, 10_000)) };
    const stores = [this.mvcc, this.locks, this.records];
    // A resume cursor ([store index][that store's cursor]) skips what earlier
    // batches deleted: LevelDB would otherwise walk their tombstones every time.
    let first = 0;
    let cursor: Uint8Array | undefined;
    if (resume && resume.byteLength > 1 && resume[0]! < stores.length) {
      first = resume[0]!;
      cursor = resume.subarray(1);
    }
    let deleted = 0;
    for (let i = first; i < stores.length; i++) {
      let res;
      try {
        res = await stores[i]!.clearRange(b, { ...opts, ...(i === first && cursor ? { cursor } : {}), maxVersions: opts.maxVersions - deleted });
      } catch {
        res = await stores[i]!.clearRange(b, { ...opts, maxVersions: opts.maxVersions - deleted }); // a cursor from elsewhere: start over
      }
      deleted += res.deleted;
      if (res.cursor !== undefined) return { deleted, cursor: concat([Uint8Array.of(i), res.cursor]) };
      if (deleted >= opts.maxVersions) return { deleted, cursor: i + 1 < stores.length ? Uint8Array.of(i + 1) : Uint8Array.of(0) };
    }
    return { deleted, cursor: undefined };
  }

  /** One bounded batch of clearing a target range; `clearing` becomes `importing`, an abandoned one is removed. */
  private async clearStep(b: StorageBatch, st: GroupJobState, maxKeys: number | undefined): Promise<KvResult> {
    const res = await this.clearFamilies(b, unhex(st.start), unhex(st.end), maxKeys);
    let next = st;
    if (res.cursor === undefined) {
      if (st.state === 'clearing') {
        next = { ...st, state: 'importing', cursor: '' };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), { state: 'importing', jobId: st.jobId }));
      } else if (st.state === 'abandoned') {
        next = { ...st, state: 'removed' };
        this.setOwnership(b, this.ownership.with(unhex(st.start), unhex(st.end), undefined));
      }
      if (next !== st) this.saveJob(b, next);
    }
    return { ...EMPTY_RESULT, stateJson: JSON.stringify(next), deleted: res.deleted, more: res.cursor !== undefined };
  }

  /**
   * The refusal (NOT_OWNER, WRITE_FENCED, ...) for a command's footprint in
   * the applied ownership map, or undefined. Checked at apply; a leader may
   * also check before proposing, to spare the log a write that apply refuses.
   */
  notOwned(cmd: KvCommand): KvResult | undefined {
    let bad: (NotOwned & { key?: Uint8Array }) | undefined;
    switch (cmd.kind) {
      case 'WRITE':
        bad = this.ownership.checkKeys(
          (cmd.writes ?? []).map((w) => w.key),
          'write',
        );
        break;
      case 'CAS':
        bad = this.ownership.check(cmd.key ?? new Uint8Array(0), undefined, 'write');
        break;
      case 'DELETE_RANGE':
        bad = this.ownership.check(cmd.start ?? new Uint8Array(0), cmd.end ?? new Uint8Array(0), 'write');
        break;
      case 'TXN': {
        const t = cmd.txn;
        if (!t) return undefined;
        if (t.kind === 'VALIDATE') {
          bad = this.ownership.checkKeys(t.readKeys ?? [], 'read');
          for (const r of t.readRanges ?? []) bad ??= this.ownership.check(r.start, r.end, 'read');
          break;
        }
        const keys = [...(t.mutations ?? []).map((m) => m.key), ...(t.keys ?? [])];
        if (t.kind === 'CHECK_STATUS' || t.kind === 'HEARTBEAT') keys.push(t.primary ?? new Uint8Array(0));
        bad = this.ownership.checkKeys(keys, 'write');
        if (t.kind === 'ONE_PC') bad ??= this.ownership.checkKeys(t.readKeys ?? [], 'read');
        for (const r of t.kind === 'ONE_PC' ? (t.readRanges ?? []) : []) bad ??= this.ownership.check(r.start, r.end, 'read');
        break;
      }
      default:
        return undefined;
    }
    if (!bad) return undefined;
    return refusedResult(this.group, bad);
  }

  /**
   * Deletes request-id entries whose original apply was before `beforeTs`
   * (retention is measured in HLC time, so it is the same on every replica),
   * scanning at most `maxKeys` entries after `after`. Returns where to resume.
   */
  private async collectDedup(b: StorageBatch, beforeTs: bigint, after: Uint8Array, maxKeys: number, seen: Map<string, KvResult>): Promise<KvResult> {
    const prefix = dataPrefix(this.group, FAMILY_DEDUP);
    const range = after.byteLength > 0 ? { gt: this.dedupKey(after), lt: prefixEnd(prefix) } : { gte: prefix, lt: prefixEnd(prefix) };
    let scanned = 0;
    let deleted = 0;
    let last: Uint8Array | undefined;
    const limit = Math.max(1, Math.min(maxKeys, 100_000));
    for await (const [k, v] of this.db.level.iterator({ ...range, limit })) {
      scanned++;
      last = k;
      // Expiry pauses in ranges a migration holds (MIGRATION.md, the family table).
      if (readU64(v, 0) < beforeTs && !this.heldByMigration(decodeDedup(v))) {
        b.del(k);
        deleted++;
        // An id collected in this pass must not answer from the pass cache either.
        seen.delete(Buffer.from(unescapeKey(k, prefix.byteLength).key).toString('hex'));
      }
    }
    const more = scanned >= limit && last !== undefined;
    return { ...EMPTY_RESULT, deleted, more, resumeKey: more ? unescapeKey(last!, prefix.byteLength).key : new Uint8Array(0) };
  }

  /**
   * Raises the GC safe point to `safePoint` (never lowers it, never past the
   * closed timestamp) and collects one bounded batch of versions no read at or
   * above it can see, after `cursor`. Ranges a migration holds keep every
   * version: a source's captured or released copy (the change log and VERIFY
   * read them), and a target's adopted copy until its job finished (VERIFY
   * compares every version at or below the floor).
   */
  private async collectVersions(b: StorageBatch, safePoint: bigint, cursor: Uint8Array, maxKeys: number): Promise<KvResult> {
    const capped = safePoint < this.maxTs ? safePoint : this.maxTs;
    if (capped > this.safePoint) {
      this.safePoint = capped;
      b.put(stateKey(this.group, 'gcsafe'), u64(capped));
    }
    const held = [...this.jobs.values()]
      .filter((j) => (j.role === 'target' && (j.state === 'importing' || (j.state === 'adopted' && !j.cleaned))) || (j.role === 'source' && j.state !== 'abandoned' && !j.cleaned))
      .map((j) => ({ start: unhex(j.start), end: unhex(j.end) }));
    const inside = (key: Uint8Array, r: { start: Uint8Array; end: Uint8Array }): boolean => compareBytes(key, r.start) >= 0 && (r.end.byteLength === 0 || compareBytes(key, r.end) < 0);
    // Keys this group does not serve are kept; an interval a migration holds is passed over with one seek.
    const keep = (key: Uint8Array): boolean => this.ownership.find(key)?.state !== 'owned';
    const skip = (key: Uint8Array): Uint8Array | undefined => {
      const iv = this.ownership.find(key);
      if (iv && iv.state !== 'owned') return iv.end;
      return held.find((r) => inside(key, r))?.end;
    };
    const limit = Math.max(1, Math.min(maxKeys, 10_000));
    let res;
    try {
      res = await this.mvcc.gc(b, this.safePoint, { ...(cursor.byteLength > 0 ? { cursor } : {}), maxVersions: limit, maxScanned: limit * 10, keep, skip });
    } catch {
      res = await this.mvcc.gc(b, this.safePoint, { maxVersions: limit, maxScanned: limit * 10, keep, skip }); // a stale cursor: start over
    }
    return { ...EMPTY_RESULT, deleted: res.deleted, more: res.cursor !== undefined, resumeKey: res.cursor ?? new Uint8Array(0), commitTs: this.safePoint };
  }

  private writeState(b: StorageBatch): void {
    for (const id of this.dirtyJobs) {
      const st = this.jobs.get(id);
      if (st) b.put(stateKey(this.group, `mig/${String(id).padStart(12, '0')}`), encodeGroupJobState(st));
    }
    this.dirtyJobs.clear();
    b.put(this.appliedKey, u64(BigInt(this.applied)));
    b.put(this.maxTsKey, u64(this.maxTs));
  }

  private async applyCommand(
    b: StorageBatch,
    cmd: KvCommand,
    seen: Map<string, KvResult>,
    catalogEvents: CatalogEvent[],
    index: number,
    jobEvents: SplitJob[],
  ): Promise<KvResult> {
    // No command moves the group's clock far past its proposer's (src/kv/clock-bound.ts).
    const clock = clockViolation(cmd);
    if (clock) return rejected('INVALID_ARGUMENT', `timestamp out of bounds: ${clock}`);
    if (cmd.kind === 'MIGRATION') return this.applyMigration(b, cmd.migration, index);
    if (cmd.kind === 'DIGEST') {
      // A read point for replica verification: the state as of this entry (the
      // batch was flushed before it). Not state: a snapshot handle in memory.
      this.takeDigest(Buffer.from(cmd.key ?? new Uint8Array(0)).toString('hex'), index);
      return { ...EMPTY_RESULT, index };
    }
    if (cmd.kind === 'JOB') return this.applyJob(b, cmd, catalogEvents, jobEvents);
    if (cmd.kind === 'BUMP_TS') {
      if (cmd.ts !== undefined && cmd.ts > this.maxTs) this.maxTs = cmd.ts;
      return { ...EMPTY_RESULT, commitTs: this.maxTs };
    }
    if (cmd.kind === 'DEDUP_GC') return this.collectDedup(b, cmd.ts ?? 0n, cmd.start ?? new Uint8Array(0), cmd.maxKeys ?? 1000, seen);
    if (cmd.kind === 'MVCC_GC') return this.collectVersions(b, cmd.ts ?? 0n, cmd.start ?? new Uint8Array(0), cmd.maxKeys ?? 1000);
    if (cmd.kind === 'CATALOG') return this.applyCatalog(b, cmd, catalogEvents);
    const rid = cmd.requestId.byteLength > 0 ? Buffer.from(cmd.requestId).toString('hex') : undefined;
    if (rid !== undefined) {
      const again = seen.get(rid);
      if (again) return again;
      const stored = this.db.level.getSync(this.dedupKey(cmd.requestId));
      if (stored !== undefined) return decodeResult(decodeDedup(stored).result);
    }
    // Rejected commands write nothing, not even their request id.
    const notOwned = this.notOwned(cmd);
    if (notOwned) return notOwned;
    const commitTs = cmd.proposedTs > this.maxTs ? cmd.proposedTs : this.maxTs + 1n;
    let result: KvResult;
    if (cmd.kind === 'TXN') {
      if (!cmd.txn) return rejected('INVALID_ARGUMENT', 'txn command without a step');
      result = await applyTxn(this.txnStore, b, cmd.txn, cmd.proposedTs);
      // A refused step writes nothing (the steps check before they write), not even its request id.
      if (result.errorCode || rid === undefined) return result;
      const fp = footprint(cmd);
      const entry = encodeDedup(result.commitTs, fp.start, fp.end, encodeResult(result));
      b.put(this.dedupKey(cmd.requestId), entry);
      this.capture(b, fp.start, fp.end, { family: FAMILY_DEDUP, key: cmd.requestId, ts: 0n, value: entry, tombstone: false, delete: false });
      seen.set(rid, result);
      return result;
    }
    switch (cmd.kind) {
      case 'WRITE':
        for (const w of cmd.writes ?? []) this.putVersion(b, w.key, commitTs, w.value);
        result = { ...EMPTY_RESULT, commitTs };
        break;
      case 'CAS': {
        const key = cmd.key ?? new Uint8Array(0);
        const cur = await this.mvcc.get(key, MAX_TS);
        const matches = cmd.expectAbsent ? cur === undefined : cur !== undefined && Buffer.compare(cur.value, cmd.expected ?? new Uint8Array(0)) === 0;
        if (matches) {
          this.putVersion(b, key, commitTs, cmd.value ?? new Uint8Array(0));
          result = { ...EMPTY_RESULT, commitTs, succeeded: true };
        } else {
          result = {
            ...EMPTY_RESULT,
            commitTs: 0n,
            succeeded: false,
            currentFound: cur !== undefined,
            current: cur?.value ?? new Uint8Array(0),
          };
        }
        break;
      }
      case 'DELETE_RANGE': {
        const max = cmd.maxKeys && cmd.maxKeys > 0 ? cmd.maxKeys : 1000;
        const end = cmd.end && cmd.end.byteLength > 0 ? cmd.end : undefined;
        const live = await this.mvcc.scan({ start: cmd.start, ...(end ? { end } : {}), readTs: MAX_TS, limit: max + 1 });
        const doomed = live.slice(0, max);
        for (const kv of doomed) this.putVersion(b, kv.key, commitTs, null);
        const more = live.length > max;
        result = {
          ...EMPTY_RESULT,
          commitTs,
          deleted: doomed.length,
          more,
          resumeKey: more ? live[max]!.key : new Uint8Array(0),
        };
        break;
      }
      default:
        result = { ...EMPTY_RESULT };
    }
    if (result.commitTs > this.maxTs) this.maxTs = result.commitTs;
    if (rid !== undefined) {
      // The dedup entry keeps the HLC of its original apply (retention is in HLC time).
      const fp = footprint(cmd);
      const entry = encodeDedup(commitTs, fp.start, fp.end, encodeResult(result));
      b.put(this.dedupKey(cmd.requestId), entry);
      this.capture(b, fp.start, fp.end, { family: FAMILY_DEDUP, key: cmd.requestId, ts: 0n, value: entry, tombstone: false, delete: false });
      seen.set(rid, result);
    }
    return result;
  }
}

/** The result of a client command refused by the ownership map. */
export function refusedResult(group: number, bad: NotOwned): KvResult {
  const code = bad.code ?? 'NOT_OWNER';
  const message =
    code === 'ROUTE_MOVED'
      ? `group ${group} moved this range to group ${bad.targetGroup ?? '?'} (job ${bad.jobId ?? '?'})`
      : code === 'WRITE_FENCED'
        ? `group ${group}: the range is fenced for a moment by job ${bad.jobId ?? '?'}; retry`
        : code === 'RANGE_PENDING'
          ? `group ${group} is still importing this range (job ${bad.jobId ?? '?'}); retry`
          : `group ${group} does not serve this key range; refresh routes`;
  return {
    ...rejected(code, message),
    ...(bad.owned ? { owned: bad.owned } : {}),
    ...(bad.jobId !== undefined ? { jobId: bad.jobId } : {}),
    ...(bad.targetGroup !== undefined ? { movedToGroup: bad.targetGroup } : {}),
    ...(code === 'WRITE_FENCED' || code === 'RANGE_PENDING' ? { retryAfterMs: FENCE_RETRY_MS } : {}),
  };
}

/** Where a command's writes fall: [start, end) (end empty: +∞). */
function footprint(cmd: KvCommand): { start: Uint8Array; end: Uint8Array } {
  const after = (k: Uint8Array): Uint8Array => concat([k, Uint8Array.of(0)]);
  switch (cmd.kind) {
    case 'CAS':
      return { start: cmd.key ?? new Uint8Array(0), end: after(cmd.key ?? new Uint8Array(0)) };
    case 'DELETE_RANGE':
      return { start: cmd.start ?? new Uint8Array(0), end: cmd.end ?? new Uint8Array(0) };
    default: {
      const keys = (cmd.kind === 'TXN' ? (cmd.txn?.mutations ?? []) : (cmd.writes ?? [])).map((w) => w.key).sort(compareBytes);
      if (keys.length === 0) return { start: new Uint8Array(0), end: Uint8Array.of(0) };
      return { start: keys[0]!, end: after(keys[keys.length - 1]!) };
    }
  }
}

/**
 * The user keys whose state a transaction step reads or writes (hex). A step
 * with ranges names no keys: it is given every key (the caller flushes).
 */
function txnKeys(cmd: KvCommand): string[] {
  const t = cmd.txn;
  if (!t) return [];
  if ((t.readRanges ?? []).length > 0) return ['*'];
  const out: string[] = [];
  for (const m of t.mutations ?? []) out.push(Buffer.from(m.key).toString('hex'));
  for (const k of t.keys ?? []) out.push(Buffer.from(k).toString('hex'));
  for (const k of t.readKeys ?? []) out.push(Buffer.from(k).toString('hex'));
  if (t.primary && t.primary.byteLength > 0) out.push(Buffer.from(t.primary).toString('hex'));
  return out;
}

/** A request-id entry: [commitTs u64][footprint start][footprint end][result], lengths u32. */
export function encodeDedup(commitTs: bigint, start: Uint8Array, end: Uint8Array, result: Uint8Array): Uint8Array {
  return concat([u64(commitTs), u32(start.byteLength), start, u32(end.byteLength), end, result]);
}

export function decodeDedup(v: Uint8Array): { commitTs: bigint; start: Uint8Array; end: Uint8Array; result: Uint8Array } {
  const commitTs = readU64(v, 0);
  const sl = readU32(v, 8);
  const start = v.subarray(12, 12 + sl);
  const el = readU32(v, 12 + sl);
  const end = v.subarray(16 + sl, 16 + sl + el);
  return { commitTs, start, end, result: v.subarray(16 + sl + el) };
}

function rejected(code: string, message: string): KvResult {
  return { ...EMPTY_RESULT, succeeded: false, errorCode: code, errorMessage: message };
}
