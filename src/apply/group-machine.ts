// The replicated state machine of one group: a shell that knows no plane.
//
// It applies committed entries in log order: each command goes to the handler
// registered for its kind, with the footprint the handler declares deciding
// what the shell does around it — flush the write batch first (the command
// reads what an earlier one in the batch wrote), refuse timestamps past the
// proposer's clock, answer a request id seen before with its stored result,
// refuse a client command the group does not serve (the ownership gate a
// plane installs), and record the request id after it applied.
//
// Invariants: apply is deterministic (only the log and the group's state
// decide); the applied index, the group clock and every plane's changed state
// are written in the same batch as the effects they cover, so a restart
// resumes exactly; entries at or below the applied index are skipped (after a
// snapshot ingest the data is already past them); a refused command writes
// nothing, not even its request id.

import { EntryType, type Entry } from '../raft/index.js';
import { SharedBatch, type NodeDb, type StorageBatch } from '../storage/db.js';
import { readU64, stateKey, u64 } from '../storage/keys.js';
import { clockViolation } from './clock-bound.js';
import { EMPTY_RESULT, decodeCommand, decodeResult, encodeResult, peekKind, type EnvelopeKind, type KvCommand, type KvResult } from './commands.js';
import { GroupData } from './data.js';
import { FAMILY_DEDUP, decodeDedup, dedupKey, encodeDedup } from './dedup.js';
import type { CommandHandler, Footprint, PlaneState, Served, Slot, Span } from './handler.js';

/** Decides whether the group serves what a client command needs (a refusal result), installed by the ownership plane. */
export type Gate = (serves: readonly Served[]) => KvResult | undefined;

/** A plane's ranges that bulk work (GC, expiry) passes over: the interval holding a key, or whether a span overlaps one. */
export interface HoldSource {
  /** Held at `key`: pass over it to `end` if given (else keep just this key). */
  heldAt(key: Uint8Array): { readonly end?: Uint8Array } | undefined;
  overlaps(start: Uint8Array, end: Uint8Array): boolean;
}

/** Command kind → handler, built once and shared by the groups that apply the same commands (a table per group cost 0.5 KiB each). */
export function handlerTable(handlers: readonly CommandHandler[]): ReadonlyMap<string, CommandHandler> {
  const t = new Map<string, CommandHandler>();
  for (const h of handlers) {
    for (const k of h.kinds) {
      if (t.has(k)) throw new Error(`two handlers for command kind ${k}`);
      t.set(k, h);
    }
  }
  return t;
}

export class GroupMachine {
  /** The last index applied here; its effects may still sit in a batch not yet written. */
  applied = 0;
  /**
   * The last applied index whose effects are in storage: what appliedIndex()
   * reports. A reader that waits for an index reads storage, and an apply
   * yields to the event loop while a pass is unwritten (a handler reading, a
   * bulk IMPORT between its slices): reporting `applied` there served an
   * export or a verification read point without the pass's writes.
   */
  private written = 0;
  /** The group's closed timestamp: every commit and every served read is at or below it. */
  maxTs = 0n;
  /** Versions shadowed at or below this timestamp may be gone: reads below it are refused. */
  safePoint = 0n;
  /**
   * The lowest timestamp of any version the group ever wrote to its MVCC
   * family (NO_VERSION: none yet; 0: unknown, a group whose state predates
   * the record). No version at or below a safe point under it exists, so a
   * version-GC pass there finds nothing and is skipped: the first pass after
   * a start used to scan every group's whole family, in steps applied on
   * every replica, to learn that (src/kv/kv-service.ts collectGarbage).
   * Deletes never raise it: it may be lower than what is left, never higher.
   */
  lowestVersionTs = 0n;
  private lowestVersionDirty = false;
  /**
   * Counts applied commands that wrote (but a collector's own steps), and
   * snapshot loads: while it stands still, nothing new arrived for a
   * background collector to look at (src/kv/sweep.ts). In memory only; a
   * restarted node starts from 0 with no sweep history either.
   */
  writeGeneration = 0;
  readonly data: GroupData;
  /** Shared by every group opened with the same table; a register() gives this group its own copy. */
  private handlers: ReadonlyMap<string, CommandHandler>;
  private readonly states = new Map<string, PlaneState>();
  private readonly holdSources: HoldSource[] = [];
  private gate: Gate | undefined;

  constructor(
    readonly db: NodeDb,
    readonly group: number,
    /** The command handlers (handlerTable): one table serves every group of a node. */
    handlers: ReadonlyMap<string, CommandHandler> = new Map(),
  ) {
    this.data = new GroupData(db, group, (ts) => this.noteVersion(ts));
    this.handlers = handlers;
  }

  /** The group machine of a replica (the node host's state machine of every group). */
  static of(r: { readonly sm: unknown; readonly group: number }): GroupMachine {
    if (r.sm instanceof GroupMachine) return r.sm;
    throw new Error(`group ${r.group}: its state machine is not a group machine`);
  }

  // ------------------------------------------------------------ registration

  /** Adds a handler to this group only (the shared table is copied, not changed). */
  register(h: CommandHandler): void {
    this.handlers = handlerTable([...new Set(this.handlers.values()), h]);
  }

  attach<T extends PlaneState>(s: Slot<T>, state: T): T {
    this.states.set(s.name, state);
    return state;
  }

  /** A plane's state on this group (throws if the plane is not attached here). */
  state<T extends PlaneState>(s: Slot<T>): T {
    const st = this.states.get(s.name);
    if (!st) throw new Error(`group ${this.group} has no ${s.name} state`);
    return st as T;
  }

  has(s: Slot<PlaneState>): boolean {
    return this.states.has(s.name);
  }

  setGate(g: Gate): void {
    this.gate = g;
  }

  addHolds(h: HoldSource): void {
    this.holdSources.push(h);
  }

  heldAt(key: Uint8Array): { readonly end?: Uint8Array } | undefined {
    for (const h of this.holdSources) {
      const x = h.heldAt(key);
      if (x) return x;
    }
    return undefined;
  }

  overlapsHeld(start: Uint8Array, end: Uint8Array): boolean {
    return this.holdSources.some((h) => h.overlaps(start, end));
  }

  // ------------------------------------------------------------------ state

  appliedIndex(): number {
    return this.written;
  }

  /** Re-reads everything from storage (at open, and after a snapshot replaced the group's data). */
  async reload(): Promise<void> {
    this.writeGeneration++;
    this.applied = Number(await this.readU64(stateKey(this.group, 'applied')));
    this.written = this.applied;
    this.maxTs = await this.readU64(stateKey(this.group, 'maxts'));
    this.safePoint = await this.readU64(stateKey(this.group, 'gcsafe'));
    this.lowestVersionTs = await this.readU64(stateKey(this.group, LOWEST_VERSION_KEY));
    this.lowestVersionDirty = false;
    for (const s of this.states.values()) await s.reload();
  }

  private async readU64(k: Uint8Array): Promise<bigint> {
    const v = await this.db.level.get(k);
    return v === undefined ? 0n : readU64(v, 0);
  }

  /** Raises the GC safe point (persisted in `b`). */
  raiseSafePoint(b: StorageBatch, ts: bigint): void {
    if (ts <= this.safePoint) return;
    this.safePoint = ts;
    b.put(stateKey(this.group, 'gcsafe'), u64(ts));
  }

  private writeState(b: StorageBatch): void {
    for (const s of this.states.values()) s.flush?.(b);
    b.put(stateKey(this.group, 'applied'), u64(BigInt(this.applied)));
    b.put(stateKey(this.group, 'maxts'), u64(this.maxTs));
    if (this.lowestVersionDirty) {
      b.put(stateKey(this.group, LOWEST_VERSION_KEY), u64(this.lowestVersionTs));
      this.lowestVersionDirty = false;
    }
  }

  private noteVersion(ts: bigint): void {
    if (ts >= this.lowestVersionTs) return; // 0 (unknown) is never lowered
    this.lowestVersionTs = ts;
    this.lowestVersionDirty = true;
  }

  /** The handler's footprint for a command (undefined: no handler for its kind). */
  footprint(cmd: KvCommand): Footprint | undefined {
    return this.handlers.get(cmd.kind)?.declare(cmd);
  }

  /** The refusal a client command meets at the ownership gate now (a leader checks before proposing; apply decides). */
  refusal(cmd: KvCommand): KvResult | undefined {
    const fp = this.footprint(cmd);
    return fp?.serves && this.gate ? this.gate(fp.serves) : undefined;
  }

  // ------------------------------------------------------------------ apply

  /**
   * Applies committed entries; returns results by log index. Membership
   * entries are the host's. Given `into` (the host turn's write, shared by
   * every group applying in it), the effects and the group's state go into it
   * and the caller writes it, then calls afterWrite; else they are written here.
   */
  async applyEntries(entries: readonly Entry[], into?: SharedBatch): Promise<Map<number, KvResult>> {
    const results = new Map<number, KvResult>();
    const w = into ?? new SharedBatch(this.db);
    const pass = new Pass(this, w);
    this.slowestCommand = undefined;
    for (const e of entries) {
      if (e.index <= this.applied) continue;
      if (e.type === EntryType.Normal && e.data.byteLength > 0) {
        const cmd = decodeOrSkip(e.data);
        if (cmd) {
          const t0 = performance.now();
          results.set(e.index, await this.applyOne(pass, cmd, e.index));
          const ms = performance.now() - t0;
          if (ms > (this.slowestCommand?.ms ?? 0)) this.slowestCommand = { kind: cmd.kind, ms: Math.round(ms) };
        }
      }
      this.applied = e.index;
    }
    pass.end();
    if (!into) {
      await w.flush();
      this.afterWrite();
    }
    return results;
  }

  isBulk(entries: readonly Entry[]): boolean {
    for (const e of entries) {
      if (e.type !== EntryType.Normal || e.data.byteLength === 0) continue;
      const kind = peekKind(e.data);
      if (kind !== undefined && BULK_KINDS.has(kind)) return true;
    }
    return false;
  }

  /** The slowest command of the last applyEntries and how long it took (ms), for slow-turn reports. */
  slowestCommand: { kind: string; ms: number } | undefined;

  /** The applied batch is written: the planes' listeners and waiters run. */
  afterWrite(): void {
    this.written = this.applied;
    for (const s of this.states.values()) s.afterBatch?.();
  }

  private async applyOne(pass: Pass, cmd: KvCommand, index: number): Promise<KvResult> {
    const handler = this.handlers.get(cmd.kind);
    if (!handler) return rejected('INVALID_ARGUMENT', `group ${this.group} applies no ${cmd.kind} commands`);
    const fp = handler.declare(cmd);
    if (pass.mustFlush(fp.reads)) await pass.flush();
    // No command moves the group's clock far past its proposer's (src/apply/clock-bound.ts).
    const clock = clockViolation(cmd.proposedTs, fp.timestamps);
    if (clock) return rejected('INVALID_ARGUMENT', `timestamp out of bounds: ${clock}`);
    const rid = fp.dedup && cmd.requestId.byteLength > 0 ? Buffer.from(cmd.requestId).toString('hex') : undefined;
    if (rid !== undefined) {
      // A command that may write any key (DEDUP_GC, a migration step) may have written or deleted
      // request-id rows in this pass's batch: read them from disk, so the answer does not depend
      // on how entries were batched into passes (replicas batch differently).
      if (pass.mayHaveWrittenRequestIds()) await pass.flush();
      const again = pass.seen.get(rid) ?? this.storedResult(cmd.requestId);
      if (again) return again;
    }
    // Rejected commands write nothing, not even their request id.
    const refused = fp.serves && this.gate ? this.gate(fp.serves) : undefined;
    if (refused) return refused;
    const result = await handler.apply({ batch: pass.batch, index, machine: this, forgetRequestId: (hex) => pass.seen.delete(hex) }, cmd);
    pass.touch(fp.writes);
    if (!fp.collects && (fp.writes !== 'none' || rid !== undefined)) this.writeGeneration++;
    if (rid !== undefined && fp.dedup && !result.errorCode) {
      this.storeRequestId(pass.batch, cmd, fp.dedup, result);
      pass.seen.set(rid, result);
    }
    return result;
  }

  private storedResult(requestId: Uint8Array): KvResult | undefined {
    const stored = this.db.level.getSync(dedupKey(this.group, requestId));
    return stored === undefined ? undefined : decodeResult(decodeDedup(stored).result);
  }

  /** Records a request id with its result; the entry keeps the HLC of this apply (retention is in HLC time). */
  private storeRequestId(b: StorageBatch, cmd: KvCommand, span: { start: Uint8Array; end: Uint8Array }, result: KvResult): void {
    const hlc = result.commitTs > 0n ? result.commitTs : cmd.proposedTs > this.maxTs ? cmd.proposedTs : this.maxTs;
    const entry = encodeDedup(hlc, span.start, span.end, encodeResult(result));
    b.put(dedupKey(this.group, cmd.requestId), entry);
    this.data.emit(b, { family: FAMILY_DEDUP, key: cmd.requestId, ts: 0n, value: entry, tombstone: false, delete: false }, span.start, span.end);
  }

  /** Called by the pass: writes the group's state into `b` before it is written. */
  stateInto(b: StorageBatch): void {
    this.writeState(b);
  }
}

/**
 * One applied pass: its part of the write batch (shared with the other groups
 * applying in the same host turn; flushed when a command must read what this
 * pass already wrote), the user keys it wrote, the request ids it applied.
 */
class Pass {
  readonly seen = new Map<string, KvResult>();
  private readonly touched = new Set<string>();
  private touchedAll = false;
  /** The shared batch's ops before this pass's first: what it holds beyond them is this pass's. */
  private opsBefore: number;

  constructor(
    private readonly m: GroupMachine,
    private readonly w: SharedBatch,
  ) {
    this.opsBefore = w.batch.size.ops;
  }

  get batch(): StorageBatch {
    return this.w.batch;
  }

  /** Whether this pass wrote anything into the unflushed batch (other groups' ops do not count: their keys are theirs). */
  private wrote(): boolean {
    return this.w.batch.size.ops > this.opsBefore;
  }

  mustFlush(reads: Span): boolean {
    if (!this.wrote() || reads === 'none') return false;
    if (reads === 'all' || this.touchedAll) return true;
    return reads.some((k) => this.touched.has(k));
  }

  touch(writes: Span): void {
    if (writes === 'all') this.touchedAll = true;
    else if (writes !== 'none') for (const k of writes) this.touched.add(k);
  }

  /** Whether a command that may write any key wrote into the unflushed batch. */
  mayHaveWrittenRequestIds(): boolean {
    return this.touchedAll && this.wrote();
  }

  /** Writes the batch now — this pass's effects so far with the group's state, and what other groups put before. */
  async flush(): Promise<void> {
    this.m.stateInto(this.w.batch);
    await this.w.flush();
    this.opsBefore = 0;
    this.touched.clear();
    this.touchedAll = false;
    // Every request id remembered here is now on disk.
    this.seen.clear();
  }

  /** The pass is over: the group's state joins its effects in the batch (written by whoever owns it). */
  end(): void {
    this.m.stateInto(this.w.batch);
  }
}

/** State key of GroupMachine.lowestVersionTs. */
export const LOWEST_VERSION_KEY = 'lowts';
/** lowestVersionTs of a group that has written no version yet (a fresh group's bootstrap writes it). */
export const NO_VERSION = (1n << 64n) - 1n;

/**
 * Command kinds whose apply is bulk work: a bounded but large scan or write
 * (GC and clearing steps, migration steps such as IMPORT, CLEAR and CLEANUP,
 * a digest's snapshot). Inside a ready-loop turn an MVCC_GC step of 1 MiB
 * still took 170-250 ms on a loaded node, and every group waited (issue 19).
 */
const BULK_KINDS: ReadonlySet<EnvelopeKind | 'EXTENSION'> = new Set<EnvelopeKind>(['MVCC_GC', 'DEDUP_GC', 'DELETE_RANGE', 'MIGRATION', 'DIGEST']);

function decodeOrSkip(data: Uint8Array): KvCommand | undefined {
  try {
    return decodeCommand(data);
  } catch {
    // Deterministic on every replica: an undecodable entry applies as a no-op.
    return undefined;
  }
}

/** The result of a command apply refused (it wrote nothing). */
export function rejected(code: string, message: string): KvResult {
  return { ...EMPTY_RESULT, succeeded: false, errorCode: code, errorMessage: message };
}

/** Hex of user keys, for footprints. */
export function keysSpan(keys: readonly Uint8Array[]): readonly string[] {
  return keys.map((k) => Buffer.from(k).toString('hex'));
}
