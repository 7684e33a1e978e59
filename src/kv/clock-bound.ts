// How far a command may move a group's clock: the apply-time backstop behind
// the API's drift check (issue: one TxnCommit with start_ts = now + 1 h used
// to timestamp every later write of its group an hour ahead, for good).
//
// Every timestamp a command brings into a group's state — a transaction's
// start and commit timestamps, a BUMP_TS target, imported rows and the
// records in them, an Adopt's release timestamp and safe point — must lie at
// or below the command's proposal timestamp plus MAX_COMMAND_AHEAD. The
// proposal timestamp is the proposing leader's HLC, which itself only moves by
// drift-checked observations (src/hlc/hlc.ts), so no request can push a group
// further than that past physical time. The bound is a constant of the log
// format, never a node's configuration, so every replica decides alike.
//
// The API refuses client timestamps beyond the drift bound (default 500 ms)
// before anything is proposed; this bound is looser (migrated data may come
// from a source whose clock runs ahead of the target's by more than the drift
// bound) and only refuses what no correct node proposes.

import { MAX_PHYSICAL_MS, physicalOf } from '../hlc/hlc.js';
import type { KvCommand } from './commands.js';
import { FAMILY_MVCC } from '../storage/keys.js';
import { FAMILY_LOCK, FAMILY_TXN, decodeRecord } from './txn-records.js';

/** 10 s of HLC time. */
export const MAX_COMMAND_AHEAD = 10_000n << 16n;
/** Proposal timestamps stay this far below the end of the 48-bit physical range (one day), so `maxTs + 1` never overflows. */
const PHYSICAL_HEADROOM_MS = 86_400_000n;

/** The timestamps a command would write into its group's state (0 entries: none). */
export function commandTimestamps(cmd: KvCommand): { field: string; ts: bigint }[] {
  const out: { field: string; ts: bigint }[] = [];
  const add = (field: string, ts: bigint | undefined): void => {
    if (ts !== undefined && ts > 0n) out.push({ field, ts });
  };
  switch (cmd.kind) {
    case 'BUMP_TS':
      add('ts', cmd.ts);
      break;
    case 'TXN':
      add('txn.start_ts', cmd.txn?.startTs);
      add('txn.commit_ts', cmd.txn?.commitTs);
      break;
    case 'MIGRATION': {
      const m = cmd.migration;
      if (!m) break;
      add('migration.release_ts', m.releaseTs);
      add('migration.safe_point', m.safePoint);
      for (const row of m.rows ?? []) {
        if (row.family === FAMILY_MVCC || row.family === FAMILY_LOCK || row.family === FAMILY_TXN) add('migration.rows.ts', row.ts);
        if (row.family === FAMILY_TXN && !row.delete) {
          try {
            add('migration.rows.commit_ts', decodeRecord(row.value).commitTs);
          } catch {
            /* a malformed record is refused by IMPORT's own checks */
          }
        }
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * Why a command may not apply for its timestamps, or undefined. Deterministic:
 * a function of the command alone.
 */
export function clockViolation(cmd: KvCommand): string | undefined {
  if (physicalOf(cmd.proposedTs) > MAX_PHYSICAL_MS - PHYSICAL_HEADROOM_MS) {
    return `proposed_ts ${cmd.proposedTs} is at the end of the timestamp range`;
  }
  const limit = cmd.proposedTs + MAX_COMMAND_AHEAD;
  for (const { field, ts } of commandTimestamps(cmd)) {
    if (ts > limit) return `${field} ${ts} is more than ${MAX_COMMAND_AHEAD >> 16n} ms ahead of the proposer's clock (${cmd.proposedTs})`;
  }
  return undefined;
}
