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

/** 10 s of HLC time. */
export const MAX_COMMAND_AHEAD = 10_000n << 16n;
/** Proposal timestamps stay this far below the end of the 48-bit physical range (one day), so `maxTs + 1` never overflows. */
const PHYSICAL_HEADROOM_MS = 86_400_000n;

/**
 * Why a command may not apply for its timestamps, or undefined. Deterministic:
 * a function of the command alone (its proposal timestamp and the timestamps
 * its handler declares it brings in).
 */
export function clockViolation(proposedTs: bigint, timestamps: readonly { readonly field: string; readonly ts: bigint }[] = []): string | undefined {
  if (physicalOf(proposedTs) > MAX_PHYSICAL_MS - PHYSICAL_HEADROOM_MS) {
    return `proposed_ts ${proposedTs} is at the end of the timestamp range`;
  }
  const limit = proposedTs + MAX_COMMAND_AHEAD;
  for (const { field, ts } of timestamps) {
    if (ts > limit) return `${field} ${ts} is more than ${MAX_COMMAND_AHEAD >> 16n} ms ahead of the proposer's clock (${proposedTs})`;
  }
  return undefined;
}

/** Collects the positive timestamps of a command's fields (for a handler's footprint). */
export function timestamps(...pairs: readonly [string, bigint | undefined][]): { field: string; ts: bigint }[] {
  return pairs.filter((p): p is [string, bigint] => p[1] !== undefined && p[1] > 0n).map(([field, ts]) => ({ field, ts }));
}
