// Set checker: clients `add` unique integers and occasionally `read-set` the
// whole set; after healing, the runner performs a final read.
//
// Invariants checked over every ok read-set:
//   - an acknowledged add (ok) is present in every read-set *invoked after*
//     the add completed;
//   - every value read was attempted by an add that could have happened
//     (ok or info, invoked before the read completed) — otherwise it is
//     `unexpected` (this includes values whose only adds failed).
// The final read is the last ok read-set to complete. Acknowledged adds that
// completed before it was invoked and are missing from it are `lost`; those
// missing only from some earlier read are `stale` (the set forgot and then
// remembered them). Indeterminate (info) adds that the final read contains
// are `recovered` — allowed, reported for information. Acknowledged adds that
// completed after the final read was invoked are not judged (a runner should
// read after all writers stop). With acknowledged adds but no ok read-set at
// all, nothing was verified and the result is not valid.

import { HistoryError, pairOperations, type HistoryEvent, type Operation, type SetOp } from './history.js';

export interface SetResult {
  valid: boolean;
  /** Distinct values some add was invoked for. */
  attempted: number;
  /** Distinct values some add of which completed ok. */
  acknowledged: number;
  /** Acknowledged values missing from the final read. */
  lost: number[];
  /** Values read that no possible add accounts for. */
  unexpected: number[];
  /** Values with only indeterminate adds, present in the final read. */
  recovered: number[];
  /** Acknowledged values missing from a later read but present in the final one. */
  stale: number[];
  /** History index of the final read's completion, or null if there was no ok read-set. */
  finalReadIndex: number | null;
}

interface Read {
  readonly op: Operation<SetOp>;
  readonly values: ReadonlySet<number>;
}

export function checkSet(history: readonly HistoryEvent<SetOp>[]): SetResult {
  const ops = pairOperations(history);
  const attempted = new Set<number>();
  /** Value → completion position of its earliest ok add. */
  const ackedAt = new Map<number, number>();
  /** Value → invoke position of its earliest add that may have happened. */
  const possibleFrom = new Map<number, number>();
  const reads: Read[] = [];

  for (const o of ops) {
    const op = o.invoke.op;
    if (op.f === 'add') {
      attempted.add(op.value);
      if (o.outcome === 'fail') continue;
      possibleFrom.set(op.value, Math.min(possibleFrom.get(op.value) ?? Infinity, o.invokePos));
      if (o.outcome === 'ok') ackedAt.set(op.value, Math.min(ackedAt.get(op.value) ?? Infinity, o.completePos));
    } else if (o.outcome === 'ok') {
      const result = o.completion?.op;
      if (result?.f !== 'read-set' || result.value === null) {
        throw new HistoryError(`read-set completed ok at event ${o.completion?.index ?? '?'} without a value`);
      }
      reads.push({ op: o, values: new Set(result.value) });
    }
  }

  const unexpected = new Set<number>();
  const missing = new Set<number>();
  for (const r of reads) {
    for (const v of r.values) if (!((possibleFrom.get(v) ?? Infinity) < r.op.completePos)) unexpected.add(v);
    for (const [v, at] of ackedAt) if (at < r.op.invokePos && !r.values.has(v)) missing.add(v);
  }

  const final = reads.reduce<Read | undefined>((last, r) => (!last || r.op.completePos > last.op.completePos ? r : last), undefined);
  const lost: number[] = [];
  const stale: number[] = [];
  const recovered: number[] = [];
  for (const v of missing) {
    if (final && (ackedAt.get(v) ?? Infinity) < final.op.invokePos && !final.values.has(v)) lost.push(v);
    else stale.push(v);
  }
  if (final) {
    for (const v of final.values) if (!ackedAt.has(v) && possibleFrom.has(v) && !unexpected.has(v)) recovered.push(v);
  }

  const byValue = (a: number, b: number): number => a - b;
  return {
    valid: lost.length === 0 && unexpected.size === 0 && stale.length === 0 && (final !== undefined || ackedAt.size === 0),
    attempted: attempted.size,
    acknowledged: ackedAt.size,
    lost: lost.sort(byValue),
    unexpected: [...unexpected].sort(byValue),
    recovered: recovered.sort(byValue),
    stale: stale.sort(byValue),
    finalReadIndex: final?.op.completion?.index ?? null,
  };
}
