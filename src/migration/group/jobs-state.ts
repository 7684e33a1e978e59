// What one group records about the migrations it takes part in (MIGRATION.md
// "The rule: the groups' logs decide every outcome"): its state per job, the
// change logs of ranges it captures as a source, and what it holds back from
// garbage collection. Part of the group's replicated state: written in the
// batch of the command that changed it, carried by snapshots.
//
// Capture: from BeginCapture on, every effect the group's apply writes in a
// capturing interval — of any family, request-id entries included — is
// appended to the job's change log (the effect, never the command). The log
// has a byte bound: beyond it the attempt abandons itself here, in apply, so a
// sick target never fills the source's disk.

import type { GroupMachine } from '../../apply/group-machine.js';
import { slot, type PlaneState } from '../../apply/handler.js';
import { decodeMigrationRow, encodeMigrationRow, type MigrationRow } from '../../apply/rows.js';
import { OWNERSHIP } from '../../distribution/ownership-state.js';
import { compareBytes } from '../../runtime/bytes.js';
import { BULK_SCAN, type StorageBatch } from '../../storage/db.js';
import { FAMILY_CHANGELOG, concat, dataPrefix, prefixEnd, readU64, stateKey, u32, u64 } from '../../storage/keys.js';
import { decodeGroupJobState, encodeGroupJobState, unhex, type GroupJobState } from '../group-state.js';

/** A change log larger than this makes the source abandon the attempt itself (MIGRATION.md CATCHUP). */
export const MAX_CHANGE_LOG_BYTES = 256 << 20;

export const GROUP_JOBS = slot<GroupJobs>('migration jobs');

export class GroupJobs implements PlaneState {
  readonly jobs = new Map<number, GroupJobState>();
  /** Jobs whose state changed in the pass being applied (written once per batch by flush). */
  private readonly dirty = new Set<number>();
  /** TEST-ONLY failpoint (FERRYKV_FAILPOINT_IMPORT_SKIP_KEY): imports drop this key's versions, so VERIFY has a mismatch to catch. */
  skipImportKey: Uint8Array | undefined;

  constructor(private readonly m: GroupMachine) {
    m.data.observe((b, row, start, end) => this.capture(b, row, start, end));
    m.addHolds({
      heldAt: (key) => {
        const r = this.held().find((h) => inside(key, h));
        return r ? { end: r.end } : undefined;
      },
      overlaps: () => false, // request ids pause in intervals the ownership map holds (OwnershipState)
    });
  }

  static attach(m: GroupMachine): GroupJobs {
    return m.attach(GROUP_JOBS, new GroupJobs(m));
  }

  get group(): number {
    return this.m.group;
  }

  async reload(): Promise<void> {
    this.jobs.clear();
    this.dirty.clear();
    const jp = stateKey(this.m.group, 'mig/');
    for await (const [, v] of this.m.db.level.iterator({ gte: jp, lt: prefixEnd(jp) })) {
      const st = decodeGroupJobState(v);
      this.jobs.set(st.jobId, st);
    }
  }

  /** Records a job's new state; written with the pass's batch, once however often it changed (capture changes it on every row). */
  save(st: GroupJobState): void {
    this.jobs.set(st.jobId, st);
    this.dirty.add(st.jobId);
  }

  flush(b: StorageBatch): void {
    for (const id of this.dirty) {
      const st = this.jobs.get(id);
      if (st) b.put(stateKey(this.m.group, `mig/${String(id).padStart(12, '0')}`), encodeGroupJobState(st));
    }
    this.dirty.clear();
  }

  /** Ranges whose versions GC keeps: a source's captured or released copy until cleaned, a target's copy until its job finished. */
  private held(): { start: Uint8Array; end: Uint8Array }[] {
    const out: { start: Uint8Array; end: Uint8Array }[] = [];
    for (const j of this.jobs.values()) {
      const target = j.role === 'target' && (j.state === 'importing' || (j.state === 'adopted' && !j.cleaned));
      const source = j.role === 'source' && j.state !== 'abandoned' && !j.cleaned;
      if (target || source) out.push({ start: unhex(j.start), end: unhex(j.end) });
    }
    return out;
  }

  changeLogKey(jobId: number, attempt: number, seq: number): Uint8Array {
    return concat([dataPrefix(this.m.group, FAMILY_CHANGELOG), u64(BigInt(jobId)), u32(attempt), u64(BigInt(seq))]);
  }

  changeLogPrefix(jobId: number, attempt: number): Uint8Array {
    return concat([dataPrefix(this.m.group, FAMILY_CHANGELOG), u64(BigInt(jobId)), u32(attempt)]);
  }

  /** Change-log entries of (job, attempt) after `afterSeq`, at most `maxBytes` (at least one if any). */
  async readChangeLog(jobId: number, attempt: number, afterSeq: number, maxBytes: number): Promise<{ seq: number; row: MigrationRow }[]> {
    const out: { seq: number; row: MigrationRow }[] = [];
    let bytes = 0;
    for await (const [k, v] of this.m.db.level.iterator({ gt: this.changeLogKey(jobId, attempt, afterSeq), lt: prefixEnd(this.changeLogPrefix(jobId, attempt)), ...BULK_SCAN })) {
      out.push({ seq: Number(readU64(k, k.byteLength - 8)), row: decodeMigrationRow(v) });
      bytes += v.byteLength;
      if (bytes >= maxBytes) break;
    }
    return out;
  }

  /** Appends an effect to the change log of every job capturing a key of its span. */
  private capture(b: StorageBatch, row: MigrationRow, start: Uint8Array, end: Uint8Array | undefined): void {
    if (this.jobs.size === 0) return;
    const own = this.m.state(OWNERSHIP);
    const ivs = end === undefined ? [own.map.find(start)].filter((x) => x !== undefined) : own.map.overlapping(start, end);
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
        this.save({ ...next, state: 'abandoned' });
        own.set(b, own.map.with(unhex(st.start), unhex(st.end), { state: 'owned' }));
      } else {
        this.save(next);
      }
    }
  }
}

function inside(key: Uint8Array, r: { start: Uint8Array; end: Uint8Array }): boolean {
  return compareBytes(key, r.start) >= 0 && (r.end.byteLength === 0 || compareBytes(key, r.end) < 0);
}
