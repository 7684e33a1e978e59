// What the source and target steps of the migration plane share: the command
// handler for MIGRATION (it sends each step to its role's module), the answer
// and refusal shapes, and the bounded clearing of a range's families.
//
// Every step names (job, attempt) and is checked against this group's state
// for them when it applies (MIGRATION.md "Attempts, not trust"): it applies,
// answers idempotently with the current state, or refuses (ABORTED, with the
// state) leaving everything as it was. Steps of an older attempt are refused.

import { timestamps } from '../../apply/clock-bound.js';
import { EMPTY_RESULT, type KvResult, type MigrationCommand } from '../../apply/commands.js';
import { rejected, type GroupMachine } from '../../apply/group-machine.js';
import type { CommandHandler } from '../../apply/handler.js';
import { OWNERSHIP, type OwnershipState } from '../../distribution/ownership-state.js';
import type { StorageBatch } from '../../storage/db.js';
import { FAMILY_LOCK, FAMILY_MVCC, FAMILY_TXN, concat } from '../../storage/keys.js';
import { decodeRecord } from '../../txn/txn-records.js';
import type { GroupJobState } from '../group-state.js';
import { GROUP_JOBS, type GroupJobs } from './jobs-state.js';
import { applySourceStep } from './source.js';
import { applyTargetStep } from './target.js';

/** One step as its role module sees it. */
export interface Step {
  readonly m: MigrationCommand;
  readonly b: StorageBatch;
  readonly index: number;
  readonly machine: GroupMachine;
  readonly jobs: GroupJobs;
  readonly own: OwnershipState;
  /** This group's state for the job, if any. */
  readonly st: GroupJobState | undefined;
  /** Whether `st` is of the step's attempt. */
  readonly sameAttempt: boolean;
}

export function answer(x: GroupJobState | undefined, extra: Partial<KvResult> = {}): KvResult {
  return { ...EMPTY_RESULT, ...(x ? { stateJson: JSON.stringify(x) } : {}), ...extra };
}

export function refuse(s: Step, why: string): KvResult {
  return { ...rejected('ABORTED', `group ${s.machine.group}, job ${s.m.jobId} attempt ${s.m.attempt}: ${why}`), ...(s.st ? { stateJson: JSON.stringify(s.st) } : {}) };
}

/**
 * The timestamps a step brings in: imported rows (and their records' commit
 * timestamps), a release's. Rows count by their highest timestamp per field
 * (the bound is on the highest; one entry per row cost 4,000 small arrays
 * per 4 MiB chunk, on the leader before proposing and on every replica).
 */
function stepTimestamps(m: MigrationCommand): { field: string; ts: bigint }[] {
  let rowTs = 0n;
  let commitTs = 0n;
  for (const row of m.rows ?? []) {
    if ((row.family === FAMILY_MVCC || row.family === FAMILY_LOCK || row.family === FAMILY_TXN) && row.ts > rowTs) rowTs = row.ts;
    if (row.family === FAMILY_TXN && !row.delete) {
      try {
        const c = decodeRecord(row.value).commitTs;
        if (c > commitTs) commitTs = c;
      } catch {
        /* a malformed record is refused by IMPORT's own checks */
      }
    }
  }
  return timestamps(['migration.release_ts', m.releaseTs], ['migration.safe_point', m.safePoint], ['migration.rows.ts', rowTs], ['migration.rows.commit_ts', commitTs]);
}

export const migrationHandler: CommandHandler = {
  kinds: ['MIGRATION'],
  declare: (cmd) => ({ reads: 'all', writes: 'all', ...(cmd.migration ? { timestamps: stepTimestamps(cmd.migration) } : {}) }),
  async apply({ batch, index, machine }, cmd) {
    const m = cmd.migration;
    if (!m || m.jobId <= 0) return rejected('INVALID_ARGUMENT', 'migration command without a job');
    const jobs = machine.state(GROUP_JOBS);
    const st = jobs.jobs.get(m.jobId);
    const s: Step = { m, b: batch, index, machine, jobs, own: machine.state(OWNERSHIP), st, sameAttempt: st !== undefined && st.attempt === m.attempt };
    if (st && m.attempt < st.attempt) return refuse(s, `stale attempt (the group is at attempt ${st.attempt})`);
    const bySource = m.kind === 'BEGIN_CAPTURE' || m.kind === 'FENCE' || m.kind === 'UNFENCE' || m.kind === 'RELEASE' || m.kind === 'CLEANUP' || m.kind === 'TRUNCATE_LOG';
    const byTarget = m.kind === 'CLEAR' || m.kind === 'IMPORT' || m.kind === 'ADOPT' || m.kind === 'REPAIR' || m.kind === 'FINISH';
    if (bySource || (m.kind === 'ABANDON' && st?.role === 'source')) return applySourceStep(s);
    if (byTarget || m.kind === 'ABANDON') return applyTargetStep(s);
    return rejected('INVALID_ARGUMENT', `unknown migration step ${String(m.kind)}`);
  },
};

/** Deletes a bounded batch of the range's versions, then its locks, then its transaction records (cursor undefined: all gone). */
export async function clearFamilies(s: Step, start: Uint8Array, end: Uint8Array, maxKeys: number | undefined, resume?: Uint8Array): Promise<{ deleted: number; cursor: Uint8Array | undefined }> {
  const opts = { start, ...(end.byteLength > 0 ? { end } : {}), maxVersions: Math.max(1, Math.min(maxKeys ?? 1000, 10_000)) };
  const stores = [FAMILY_MVCC, FAMILY_LOCK, FAMILY_TXN].map((f) => s.machine.data.store(f));
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
      res = await stores[i]!.clearRange(s.b, { ...opts, ...(i === first && cursor ? { cursor } : {}), maxVersions: opts.maxVersions - deleted });
    } catch {
      res = await stores[i]!.clearRange(s.b, { ...opts, maxVersions: opts.maxVersions - deleted }); // a cursor from elsewhere: start over
    }
    deleted += res.deleted;
    if (res.cursor !== undefined) return { deleted, cursor: concat([Uint8Array.of(i), res.cursor]) };
    if (deleted >= opts.maxVersions) return { deleted, cursor: i + 1 < stores.length ? Uint8Array.of(i + 1) : Uint8Array.of(0) };
  }
  return { deleted, cursor: undefined };
}
