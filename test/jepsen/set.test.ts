// Specification of the set checker (see jepsen/checker/set.ts).

import { describe, expect, it } from 'vitest';
import { HistoryError, type SetOp } from '../../jepsen/checker/history.js';
import { checkSet } from '../../jepsen/checker/set.js';
import { HistoryBuilder } from './histories.js';

const add = (value: number): SetOp => ({ f: 'add', value });
const readSet = (value: number[] | null = null): SetOp => ({ f: 'read-set', value });

class SetHistory extends HistoryBuilder<SetOp> {
  /** An add that runs alone and completes with `type`. */
  add(process: number, value: number, type: 'ok' | 'fail' | 'info' = 'ok'): this {
    return this.invoke(process, add(value)).complete(type, process);
  }

  /** A read-set that runs alone and returns `values`. */
  read(process: number, values: number[]): this {
    return this.invoke(process, readSet()).ok(process, readSet(values));
  }
}

describe('set checker', () => {
  it('accepts a history where every acknowledged add is read back', () => {
    const h = new SetHistory().add(0, 1).add(1, 2).read(2, [1, 2]).add(0, 3).read(2, [1, 2, 3]);
    expect(checkSet(h.events)).toEqual({
      valid: true,
      attempted: 3,
      acknowledged: 3,
      lost: [],
      unexpected: [],
      recovered: [],
      stale: [],
      finalReadIndex: 9,
    });
  });

  it('accepts an empty history', () => {
    expect(checkSet([])).toMatchObject({ valid: true, attempted: 0, finalReadIndex: null });
  });

  it('reports an acknowledged add missing from the final read as lost', () => {
    const h = new SetHistory().add(0, 1).add(1, 2).add(0, 3).read(2, [1, 3]);
    expect(checkSet(h.events)).toMatchObject({ valid: false, acknowledged: 3, lost: [2], stale: [] });
  });

  it('does not require an add that completed after the final read began', () => {
    const h = new SetHistory().add(0, 1).invoke(2, readSet()).invoke(1, add(2)).ok(1).ok(2, readSet([1]));
    expect(checkSet(h.events)).toMatchObject({ valid: true, lost: [] });
  });

  it('reports a value no add accounts for as unexpected: never attempted, failed, or read before its add began', () => {
    const never = new SetHistory().add(0, 1).read(1, [1, 99]);
    expect(checkSet(never.events)).toMatchObject({ valid: false, unexpected: [99] });
    const failed = new SetHistory().add(0, 1).add(0, 2, 'fail').read(1, [1, 2]);
    expect(checkSet(failed.events)).toMatchObject({ valid: false, attempted: 2, acknowledged: 1, unexpected: [2] });
    const early = new SetHistory().read(1, [5]).add(0, 5).read(1, [5]);
    expect(checkSet(early.events)).toMatchObject({ valid: false, unexpected: [5] });
  });

  it('accepts a read concurrent with an add that sees it', () => {
    const h = new SetHistory().invoke(0, add(1)).read(1, [1]).ok(0).read(1, [1]);
    expect(checkSet(h.events)).toMatchObject({ valid: true, unexpected: [] });
  });

  it('reports indeterminate adds that the final read contains as recovered', () => {
    const h = new SetHistory().add(0, 1).add(1, 2, 'info').add(0, 3, 'info').invoke(3, add(4)).read(2, [1, 2, 4]);
    expect(checkSet(h.events)).toEqual({
      valid: true,
      attempted: 4,
      acknowledged: 1,
      lost: [],
      unexpected: [],
      recovered: [2, 4],
      stale: [],
      finalReadIndex: 8,
    });
  });

  it('reports an acknowledged add that vanished from a later read and came back as stale', () => {
    const h = new SetHistory().add(0, 1).add(0, 2).read(1, [2]).read(1, [1, 2]);
    expect(checkSet(h.events)).toMatchObject({ valid: false, lost: [], stale: [1] });
  });

  it('uses the last read to complete as the final read', () => {
    const h = new SetHistory().add(0, 1).invoke(1, readSet()).read(2, []).ok(1, readSet([1]));
    // The read that returned [] was invoked after add 1 completed: stale, not lost.
    expect(checkSet(h.events)).toMatchObject({ valid: false, lost: [], stale: [1], finalReadIndex: 5 });
  });

  it('is not valid when acknowledged adds were never read at all', () => {
    const h = new SetHistory().add(0, 1).invoke(1, readSet()).fail(1);
    expect(checkSet(h.events)).toMatchObject({ valid: false, lost: [], finalReadIndex: null });
  });

  it('rejects an ok read-set without a value', () => {
    const h = new SetHistory().invoke(1, readSet()).ok(1);
    expect(() => checkSet(h.events)).toThrow(HistoryError);
  });
});
