// Specification of the bank checker (see jepsen/checker/bank.ts).

import { describe, expect, it } from 'vitest';
import { checkBank, type BankCheckOptions } from '../../jepsen/checker/bank.js';
import { HistoryError, type BankOp } from '../../jepsen/checker/history.js';
import { HistoryBuilder } from './histories.js';

const transfer = (from: string, to: string, amount: number): BankOp => ({ f: 'transfer', value: { from, to, amount } });
const read = (value: Record<string, number> | null = null): BankOp => ({ f: 'read', value });

class BankHistory extends HistoryBuilder<BankOp> {
  /** A transfer that runs alone and completes with `type`. */
  transfer(process: number, from: string, to: string, amount: number, type: 'ok' | 'fail' | 'info' = 'ok'): this {
    return this.invoke(process, transfer(from, to, amount)).complete(type, process);
  }

  /** A read that runs alone and returns `balances`; its ok completion is the last event. */
  read(process: number, balances: Record<string, number>): this {
    return this.invoke(process, read()).ok(process, read(balances));
  }
}

const opts: BankCheckOptions = { accounts: ['a', 'b', 'c'], total: 30, allowNegative: false };

describe('bank checker', () => {
  it('accepts reads that always account for all the money', () => {
    const h = new BankHistory()
      .read(0, { a: 10, b: 10, c: 10 })
      .transfer(1, 'a', 'b', 5)
      .transfer(2, 'b', 'c', 50, 'fail')
      .transfer(1, 'c', 'a', 3, 'info')
      .read(0, { a: 8, b: 15, c: 7 })
      .invoke(3, transfer('a', 'c', 1))
      .read(0, { a: 7, b: 15, c: 8 })
      .invoke(2, read())
      .fail(2);
    expect(checkBank(h.events, opts)).toEqual({
      valid: true,
      reads: 3,
      transfers: { ok: 1, fail: 1, info: 2 },
      badTotals: [],
      negative: [],
      missingAccounts: [],
      unexpectedAccounts: [],
    });
  });

  it('reports a read whose balances do not sum to the total, with its index', () => {
    const h = new BankHistory().read(0, { a: 10, b: 10, c: 10 }).transfer(1, 'a', 'b', 5).read(0, { a: 5, b: 15, c: 12 });
    expect(checkBank(h.events, opts)).toMatchObject({
      valid: false,
      reads: 2,
      badTotals: [{ index: 5, total: 32, balances: { a: 5, b: 15, c: 12 } }],
      negative: [],
    });
  });

  it('reports negative balances unless they are allowed', () => {
    const h = new BankHistory().transfer(1, 'a', 'b', 15).read(0, { a: -5, b: 25, c: 10 });
    expect(checkBank(h.events, opts)).toMatchObject({
      valid: false,
      badTotals: [],
      negative: [{ index: 3, account: 'a', balance: -5 }],
    });
    expect(checkBank(h.events, { ...opts, allowNegative: true })).toMatchObject({ valid: true, negative: [] });
  });

  it('is not valid without any ok read', () => {
    const h = new BankHistory().transfer(1, 'a', 'b', 5).invoke(0, read()).info(0).invoke(0, read()).fail(0);
    const res = checkBank(h.events, opts);
    expect(res).toMatchObject({ valid: false, reads: 0, transfers: { ok: 1, fail: 0, info: 0 } });
    expect(res.reason).toContain('no ok read');
    expect(checkBank([], opts)).toMatchObject({ valid: false, reads: 0 });
  });

  it('reports missing accounts unless absent counts as zero', () => {
    const h = new BankHistory().read(0, { a: 20, b: 10 });
    expect(checkBank(h.events, opts)).toMatchObject({
      valid: false,
      missingAccounts: [{ index: 1, accounts: ['c'] }],
      badTotals: [],
    });
    expect(checkBank(h.events, { ...opts, absentIsZero: true })).toMatchObject({ valid: true, missingAccounts: [] });
    const short = new BankHistory().read(0, { a: 20 });
    expect(checkBank(short.events, { ...opts, absentIsZero: true })).toMatchObject({
      valid: false,
      badTotals: [{ index: 1, total: 20 }],
    });
  });

  it('reports accounts outside the bank', () => {
    const h = new BankHistory().read(0, { a: 10, b: 10, c: 10, z: 0 });
    expect(checkBank(h.events, opts)).toMatchObject({ valid: false, unexpectedAccounts: [{ index: 1, accounts: ['z'] }] });
  });

  it('rejects an ok read without balances', () => {
    const h = new BankHistory().invoke(0, read()).ok(0);
    expect(() => checkBank(h.events, opts)).toThrow(HistoryError);
  });
});
