// One watcher's feed on one replica of one group: the changes of [start, end)
// after a start timestamp, with resolved timestamps (docs/watch.md).
//
// Registration is synchronous: from then on the group's watch state hands the
// feed every effect in its range (src/watch/watch-state.ts), and the group's
// closed timestamp at that moment (`attachTs`) splits the history in two.
// Versions at or below it come from storage (the catch-up scan, in key order);
// versions above it come from the applied stream, held until a durable pass
// closes a timestamp at or above them.
//
// Resolved timestamp: after a durable pass, no commit at or below the group's
// closed timestamp can still appear (every later write commits above it,
// src/apply/group-machine.ts), except a transaction's resolution of a lock it
// holds, which writes at its commit timestamp ≥ the lock's min_commit_ts
// (src/txn/txn-apply.ts). So resolved = min(closed, lowest min_commit_ts of a
// lock in range − 1). The feed delivers an event only once a resolved
// timestamp at or above it is delivered with it: a consumer that resumes from
// the last resolved timestamp it saw misses nothing, and sees again only what
// a catch-up it cut short delivered above that point (the SDK drops those).
//
// Locks: the feed scans the range's locks once, then follows their effects.
// The scan and the applied stream are reconciled by replaying every lock
// effect since registration on top of the scan in order (a put then a removal
// of one lock leaves it removed whichever of them the scan saw), and by
// computing no resolved timestamp before the replica's storage is exactly
// what it has announced durable.
//
// A transaction's lock that existed at registration may be resolved after it
// at a commit timestamp at or below `attachTs`: the catch-up scan may or may
// not have seen that version, so the scan remembers what it emitted of such
// keys and the live path skips those.

import type { GroupMachine } from '../apply/group-machine.js';
import type { MigrationRow } from '../apply/rows.js';
import { KvError } from '../api/errors.js';
import { OWNERSHIP } from '../distribution/ownership-state.js';
import { FAMILY_LOCK, FAMILY_MVCC, compareBytes } from '../storage/keys.js';
import { decodeLock } from '../txn/txn-records.js';
import { WATCH, type FeedTap } from './watch-state.js';

export interface WatchEventOut {
  readonly type: 'PUT' | 'DELETE';
  readonly key: Uint8Array;
  /** PUT: the value written (empty for a delete). */
  readonly value: Uint8Array;
  readonly commitTs: bigint;
  /** prevKv: the key's value just before (null: it had none). Undefined: not asked for. */
  readonly prev?: Uint8Array | null;
}

/** What the feed hands its stream next. */
export type FeedStep =
  | { readonly kind: 'events'; readonly events: readonly WatchEventOut[]; readonly resolvedTs: bigint }
  | { readonly kind: 'moved'; readonly groupId: number; readonly atTs: bigint };

export interface FeedOptions {
  readonly start: Uint8Array;
  /** Exclusive; empty: +∞ (already clipped to what the group serves). */
  readonly end: Uint8Array;
  /** Changes after this timestamp (0: from the registration's closed timestamp). */
  readonly startTs: bigint;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  /** Undelivered events held at most (then the feed fails with OVERLOADED: resume). */
  readonly maxBufferedEvents: number;
  readonly maxBufferedBytes: number;
  /** Events per step at most (a step is one response). */
  readonly maxStepEvents: number;
}

interface Held {
  readonly key: Uint8Array;
  readonly ts: bigint;
  /** null: a tombstone. */
  readonly value: Uint8Array | null;
}

/** Catch-up scans a feed runs at most before it gives up on a range that changes too fast. */
const MAX_CATCHUP_ROUNDS = 5;

/** What a held event counts against the feed's byte bound. */
const heldSize = (h: Held): number => h.key.byteLength + (h.value?.byteLength ?? 0) + 32;

const lockId = (key: Uint8Array, startTs: bigint): string => `${Buffer.from(key).toString('hex')}@${startTs}`;

export class Feed implements FeedTap {
  /**
   * The group's closed timestamp at registration: at or below it from
   * storage, above it from the stream. A catch-up that could not hold the
   * stream's events meanwhile attaches again, later (catchUp()).
   */
  attachTs: bigint;
  /** Effective start: events strictly after it. */
  readonly fromTs: bigint;
  private appliedAtAttach: number;
  /** The catch-up round in progress let go of the stream's events above attachTs: the next round reads them from storage. */
  private overflowed = false;
  /** Effects of the pass now applying (not durable yet). */
  private pending: MigrationRow[] = [];
  /** Durable versions not delivered yet (above the last resolved timestamp delivered). */
  private held: Held[] = [];
  private heldBytes = 0;
  /** Durable lock effects since registration, until the lock scan is reconciled (then applied at once). */
  private lockLog: MigrationRow[] | undefined = [];
  /** Locks in range: id → min_commit_ts. */
  private readonly locks = new Map<string, bigint>();
  /** Versions at or below attachTs the catch-up scan emitted, of keys locked at registration (key@ts). */
  private readonly scannedLate = new Set<string>();
  private closed: bigint;
  private delivered: bigint;
  private live = false;
  private failure: KvError | undefined;
  private stopped = false;
  /** The lock scan ended while a pass was in flight: reconcile when it is durable. */
  private reconcileOnDurable = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly m: GroupMachine,
    private readonly o: FeedOptions,
  ) {
    this.attachTs = m.maxTs;
    this.closed = m.maxTs;
    this.appliedAtAttach = m.applied;
    this.fromTs = o.startTs > 0n ? o.startTs : this.attachTs;
    this.delivered = this.fromTs;
    m.state(WATCH).add(this);
  }

  /** The last resolved timestamp handed out (or the start): a stream that breaks resumes from here. */
  get resolvedTs(): bigint {
    return this.delivered;
  }

  get bufferedEvents(): number {
    return this.held.length + this.pending.length;
  }

  covers(key: Uint8Array): boolean {
    return compareBytes(key, this.o.start) >= 0 && (this.o.end.byteLength === 0 || compareBytes(key, this.o.end) < 0);
  }

  effect(row: MigrationRow): void {
    if (this.failure) return;
    this.pending.push(row);
  }

  durable(closedTs: bigint): void {
    if (this.failure) return;
    for (const row of this.pending) {
      if (row.family === FAMILY_LOCK) {
        if (this.lockLog) this.lockLog.push(row);
        else this.applyLock(row);
      } else if (row.family === FAMILY_MVCC && !row.delete) {
        if (row.ts <= this.fromTs) continue;
        if (row.ts <= this.attachTs && this.scannedLate.delete(lockId(row.key, row.ts))) continue;
        if (this.overflowed && row.ts > this.attachTs) continue; // read from storage by the next catch-up round
        const h: Held = { key: row.key, ts: row.ts, value: row.tombstone ? null : row.value };
        this.held.push(h);
        this.heldBytes += heldSize(h);
      }
    }
    this.pending = [];
    this.closed = closedTs;
    if (this.reconcileOnDurable) this.reconcileLocks();
    if (this.held.length > this.o.maxBufferedEvents || this.heldBytes > this.o.maxBufferedBytes) {
      // A catch-up scan from a start timestamp lets go of what it would later read from storage anyway.
      if (!this.live && this.o.startTs > 0n && !this.overflowed) {
        this.overflowed = true;
        this.keepHeld((h) => h.ts <= this.attachTs);
        if (this.held.length <= this.o.maxBufferedEvents && this.heldBytes <= this.o.maxBufferedBytes) return this.poke();
      }
      this.fail(
        new KvError('OVERLOADED', `watch: this watcher fell behind (${this.held.length} events, ${this.heldBytes} bytes held): resume from resolved_ts ${this.delivered}`, {
          retryAfterMs: 100,
          reason: 'watcher too slow',
        }),
      );
      return;
    }
    this.poke();
  }

  reset(): void {
    this.fail(new KvError('UNAVAILABLE', `watch: group ${this.m.group}'s replica here was replaced by a snapshot: resume from resolved_ts ${this.delivered}`, { retryAfterMs: 50 }));
  }

  /** Ends the feed with an error (a stream waiting in next() gets it). */
  fail(e: KvError): void {
    if (this.failure) return;
    this.failure = e;
    this.pending = [];
    this.held = [];
    this.heldBytes = 0;
    this.detach();
    this.poke();
  }

  /** Stops the feed (the stream ended): no more effects are kept. */
  stop(): void {
    this.stopped = true;
    this.detach();
    this.poke();
  }

  private detach(): void {
    if (this.m.has(WATCH)) this.m.state(WATCH).remove(this);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Waits until something may have changed (a durable pass, a failure, a stop), or `ms`. */
  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.stopped) throw new KvError('UNAVAILABLE', 'watch: stopped');
  }

  // ------------------------------------------------------------ catch-up

  /**
   * Brings the feed up to registration: scans the range's locks, then (from a
   * start timestamp) yields the stored versions in (startTs, attachTs] in key
   * order, in steps. Call once, before next().
   */
  async *catchUp(): AsyncGenerator<FeedStep> {
    await this.untilWritten();
    this.checkSafePoint();
    for await (const v of this.m.data.store(FAMILY_LOCK).versionsIn(this.o.start, this.o.end)) {
      if (v.value !== null) this.locks.set(lockId(v.key, v.ts), decodeLock(v.value).minCommitTs);
    }
    // Reconcile when storage is exactly what the replica announced durable: now if no pass is
    // in flight, else at the end of the pass in flight (one pass per group at a time), in durable().
    if (this.m.appliedIndex() === this.m.applied) this.reconcileLocks();
    else this.reconcileOnDurable = true;
    while (this.lockLog) {
      this.check();
      await this.idle(100);
    }
    this.check();
    if (this.o.startTs > 0n) yield* this.scanRounds();
    this.live = true;
  }

  /**
   * The catch-up scan, again from where it ended while a round had to let go
   * of the stream's events (a busy range, a long scan): each round attaches
   * again at the group's closed timestamp then and reads (last attach, new
   * attach] from storage. A range that changes faster than rounds converge
   * fails the feed (OVERLOADED) after MAX_CATCHUP_ROUNDS.
   */
  private async *scanRounds(): AsyncGenerator<FeedStep> {
    let from = this.o.startTs;
    for (let round = 1; ; round++) {
      yield* this.scan(this.lateKeys(), from);
      if (!this.overflowed) return;
      if (round >= MAX_CATCHUP_ROUNDS) {
        throw new KvError('OVERLOADED', `watch: the range changed faster than ${round} catch-up scans could follow: resume from resolved_ts ${this.delivered}, or watch from now`, {
          retryAfterMs: 1000,
          reason: 'catch-up does not converge',
        });
      }
      from = this.attachTs;
      // Attach again (synchronously, as at registration): what the stream holds or will deliver
      // at or below the new point comes from the next round — but for late resolutions at or below
      // the previous point, which no round reads again.
      this.attachTs = this.m.maxTs;
      this.appliedAtAttach = this.m.applied;
      this.overflowed = false;
      const prev = from;
      this.pending = this.pending.filter((r) => r.family !== FAMILY_MVCC || r.ts <= prev);
      this.keepHeld((h) => h.ts <= prev);
      await this.untilWritten();
      this.checkSafePoint();
    }
  }

  /** Keys locked by a lock whose transaction may still commit at or below attachTs, with its min_commit_ts. */
  private lateKeys(): Map<string, bigint> {
    const late = new Map<string, bigint>();
    for (const [id, minCommit] of this.locks) {
      if (minCommit <= this.attachTs) late.set(id.slice(0, id.indexOf('@')), minCommit);
    }
    return late;
  }

  private keepHeld(keep: (h: Held) => boolean): void {
    this.setHeld(this.held.filter(keep));
  }

  private setHeld(held: Held[]): void {
    this.held = held;
    this.heldBytes = held.reduce((n, h) => n + heldSize(h), 0);
  }

  /** Storage holds every effect up to the attach point once the replica wrote what it had applied then. */
  private async untilWritten(): Promise<void> {
    while (this.m.appliedIndex() < this.appliedAtAttach) {
      this.check();
      await this.idle(20);
    }
    this.check();
  }

  private checkSafePoint(): void {
    if (this.o.startTs > 0n && this.o.startTs < this.m.safePoint) {
      throw new KvError('INVALID_ARGUMENT', `start_ts ${this.o.startTs} is below group ${this.m.group}'s GC safe point ${this.m.safePoint}: changes that old may be gone`, {
        field: 'start_ts',
        reason: 'below the GC safe point',
        safePoint: this.m.safePoint,
      });
    }
  }

  /** One catch-up scan: every version in (from, attachTs], per key oldest first. */
  private async *scan(lateKeys: ReadonlyMap<string, bigint>, from: bigint): AsyncGenerator<FeedStep> {
    let out: WatchEventOut[] = [];
    let run: Held[] = []; // one key's versions, newest first (storage order)
    const flushKey = (): void => {
      // run[i]'s previous value is run[i + 1]'s (the next older version), if any.
      for (let i = run.length - 1; i >= 0; i--) {
        const v = run[i]!;
        if (v.ts <= from) continue;
        const hex = lateKeys.size > 0 ? Buffer.from(v.key).toString('hex') : undefined;
        const late = hex !== undefined ? lateKeys.get(hex) : undefined;
        if (late !== undefined && v.ts >= late) this.scannedLate.add(`${hex}@${v.ts}`);
        const ev = this.event(v, run[i + 1] === undefined ? null : run[i + 1]!.value);
        if (ev) out.push(ev);
      }
      run = [];
    };
    for await (const v of this.m.data.store(FAMILY_MVCC).versionsIn(this.o.start, this.o.end, this.attachTs)) {
      if (run.length > 0 && compareBytes(run[0]!.key, v.key) !== 0) {
        flushKey();
        if (out.length >= this.o.maxStepEvents) {
          this.check();
          yield { kind: 'events', events: out, resolvedTs: 0n };
          out = [];
        }
      }
      run.push({ key: v.key, ts: v.ts, value: v.value });
    }
    flushKey();
    this.check();
    // A GC pass past the start while the scan ran may have taken versions it needed.
    this.checkSafePoint();
    if (out.length > 0) yield { kind: 'events', events: out, resolvedTs: 0n };
  }

  private event(v: Held, prev: Uint8Array | null): WatchEventOut | undefined {
    const type = v.value === null ? 'DELETE' : 'PUT';
    if ((type === 'PUT' && this.o.noPut) || (type === 'DELETE' && this.o.noDelete)) return undefined;
    const base = { type, key: v.key, value: v.value ?? new Uint8Array(0), commitTs: v.ts } as const;
    return this.o.prevKv ? { ...base, prev } : base;
  }

  /** Replays every lock effect since registration on top of the scanned locks; from now on they apply as they come. */
  private reconcileLocks(): void {
    for (const row of this.lockLog ?? []) this.applyLock(row);
    this.lockLog = undefined;
    this.reconcileOnDurable = false;
  }

  private applyLock(row: MigrationRow): void {
    const id = lockId(row.key, row.ts);
    if (row.delete) this.locks.delete(id);
    else this.locks.set(id, decodeLock(row.value).minCommitTs);
  }

  // ---------------------------------------------------------------- live

  /** The resolved timestamp the durable state allows now. */
  private resolvable(): bigint {
    let r = this.closed;
    for (const minCommit of this.locks.values()) if (minCommit - 1n < r) r = minCommit - 1n;
    return r;
  }

  /**
   * The next step: events up to a new resolved timestamp, or a progress step
   * (no events, a higher resolved timestamp), or `moved` when the group no
   * longer serves the range. Waits up to `waitMs` for one; undefined if none.
   */
  async next(waitMs: number): Promise<FeedStep | undefined> {
    if (!this.live) throw new Error('watch feed: next() before catchUp() ended');
    const until = Date.now() + waitMs;
    for (;;) {
      this.check();
      // Moved first, and without resolving further: the release's timestamp bounds what this
      // group may resolve for the range, and the target serves only above it. The consumer
      // resumes on the target from the last resolved timestamp delivered here; what was held
      // above it is in the target's storage (copied with its timestamps) and comes from there.
      const moved = this.movedStep();
      if (moved) {
        this.stop();
        return moved;
      }
      // Synchronously after the ownership check: `closed` is from a pass before any release.
      const resolved = this.resolvable();
      if (resolved > this.delivered) return this.deliver(resolved);
      const left = until - Date.now();
      if (left <= 0) return undefined;
      await this.idle(left);
    }
  }

  /** `moved` if the group no longer serves all of the range for reads (a migration released it). */
  private movedStep(): FeedStep | undefined {
    const bad = this.m.state(OWNERSHIP).map.check(this.o.start, this.o.end, 'read');
    if (!bad) return undefined;
    return { kind: 'moved', groupId: bad.targetGroup ?? 0, atTs: this.delivered };
  }

  /** Hands out the held events at or below `resolved`, ordered by commit timestamp (at most a step's worth). */
  private async deliver(resolved: bigint): Promise<Extract<FeedStep, { kind: 'events' }>> {
    const due: Held[] = [];
    const rest: Held[] = [];
    for (const h of this.held) (h.ts <= resolved ? due : rest).push(h);
    due.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    let upTo = resolved;
    if (due.length > this.o.maxStepEvents) {
      // Cut at a timestamp boundary so one write's events stay in one step.
      let cut = this.o.maxStepEvents;
      while (cut < due.length && due[cut]!.ts === due[cut - 1]!.ts) cut++;
      if (cut < due.length) {
        upTo = due[cut - 1]!.ts;
        rest.push(...due.splice(cut));
      }
    }
    this.setHeld(rest);
    const events: WatchEventOut[] = [];
    for (const h of due) {
      const prev = this.o.prevKv ? await this.previous(h) : null;
      const ev = this.event(h, prev);
      if (ev) events.push(ev);
    }
    this.delivered = upTo;
    return { kind: 'events', events, resolvedTs: upTo };
  }

  /** The key's value just before version `h` (null: none, or a tombstone). */
  private async previous(h: Held): Promise<Uint8Array | null> {
    if (h.ts === 0n) return null;
    const kv = await this.m.data.store(FAMILY_MVCC).get(h.key, h.ts - 1n);
    return kv ? kv.value : null;
  }
}
