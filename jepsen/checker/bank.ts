// Bank checker: clients transfer amounts between a fixed set of accounts and
// read every balance at once (a snapshot read). Transfers move money but never
// create or destroy it, so every snapshot must account for all of it.
//
// Invariants checked over every ok read:
//   - it has a balance for every account (`missingAccounts`); with
//     `absentIsZero` an absent account counts as balance 0 instead;
//   - it has no account outside `accounts` (`unexpectedAccounts`);
//   - its balances sum to `total` (`badTotals`) — judged only for reads that
//     have every account (after `absentIsZero`), since a read missing one is
//     already reported as such;
//   - unless `allowNegative`, no balance is negative (`negative`).
// Transfers are not judged one by one: a transfer may fail (say, on
// insufficient funds) or be indeterminate without breaking anything; only
// the reads tell whether money was created or lost. Read results that are not
// finite numbers are a runner bug (HistoryError). Reads are named by the
// history index of their ok completion, where the balances appear. With no ok
// read at all nothing was verified and the result is not valid (`reason`).

import { HistoryError, pairOperations, type BankOp, type HistoryEvent } from './history.js';

export interface BankCheckOptions {
  accounts: readonly string[];
  /** The sum of all balances, constant across transfers. */
  total: number;
  allowNegative: boolean;
  /** Whether a read without some account means that account holds 0; default false. */
  absentIsZero?: boolean;
}

export interface BankResult {
  valid: boolean;
  /** Ok reads checked. */
  reads: number;
  transfers: { ok: number; fail: number; info: number };
  badTotals: { index: number; total: number; balances: Record<string, number> }[];
  negative: { index: number; account: string; balance: number }[];
  missingAccounts: { index: number; accounts: string[] }[];
  unexpectedAccounts: { index: number; accounts: string[] }[];
  /** Why the history is invalid when no single read is to blame. */
  reason?: string;
}

export function checkBank(history: readonly HistoryEvent<BankOp>[], opts: BankCheckOptions): BankResult {
  const known = new Set(opts.accounts);
  const result: BankResult = {
    valid: true,
    reads: 0,
    transfers: { ok: 0, fail: 0, info: 0 },
    badTotals: [],
    negative: [],
    missingAccounts: [],
    unexpectedAccounts: [],
  };

  for (const o of pairOperations(history)) {
    if (o.invoke.op.f === 'transfer') {
      result.transfers[o.outcome]++;
      continue;
    }
    if (o.outcome !== 'ok') continue;
    const done = o.completion!;
    const value = done.op.f === 'read' ? done.op.value : null;
    if (value === null || typeof value !== 'object') throw new HistoryError(`read completed ok at event ${done.index} without balances`);
    const index = done.index;
    result.reads++;

    const balances: Record<string, number> = {};
    for (const [account, balance] of Object.entries(value)) {
      if (typeof balance !== 'number' || !Number.isFinite(balance)) {
        throw new HistoryError(`read at event ${index} has a non-numeric balance for ${account}`);
      }
      balances[account] = balance;
    }
    const unexpected = Object.keys(balances).filter((a) => !known.has(a));
    if (unexpected.length > 0) result.unexpectedAccounts.push({ index, accounts: unexpected.sort() });
    const missing = opts.accounts.filter((a) => !Object.hasOwn(balances, a));
    if (missing.length > 0 && !opts.absentIsZero) result.missingAccounts.push({ index, accounts: [...missing] });

    if (!opts.allowNegative) {
      for (const [account, balance] of Object.entries(balances)) {
        if (balance < 0) result.negative.push({ index, account, balance });
      }
    }
    if (missing.length === 0 || opts.absentIsZero) {
      const total = Object.values(balances).reduce((sum, b) => sum + b, 0);
      if (total !== opts.total) result.badTotals.push({ index, total, balances });
    }
  }

  if (result.reads === 0) result.reason = 'no ok read: nothing was verified';
  result.valid =
    result.reads > 0 &&
    result.badTotals.length === 0 &&
    result.negative.length === 0 &&
    result.missingAccounts.length === 0 &&
    result.unexpectedAccounts.length === 0;
  return result;
}
