// Specification of the register linearizability checker on hand-built
// histories (see jepsen/checker/linearizability.ts).

import { describe, expect, it } from 'vitest';
import { HistoryError } from '../../jepsen/checker/history.js';
import { checkRegister, type KeyResult } from '../../jepsen/checker/linearizability.js';
import { cas, read, RegisterHistory, write } from './histories.js';

const keyResult = (keys: KeyResult[], key: string): KeyResult => {
  const k = keys.find((r) => r.key === key);
  if (!k) throw new Error(`no result for key ${key}`);
  return k;
};

describe('register linearizability: valid histories', () => {
  it('accepts an empty history', () => {
    expect(checkRegister([])).toMatchObject({ valid: true, keys: [] });
  });

  it('accepts a sequential history, starting from an absent register', () => {
    const h = new RegisterHistory().r(0, null).w(0, 1).r(1, 1).invoke(2, cas(1, 2)).ok(2).r(0, 2).w(1, 3).r(2, 3);
    const result = checkRegister(h.events);
    expect(result.valid).toBe(true);
    expect(result.keys).toMatchObject([{ key: 'x', valid: true, ops: 7 }]);
  });

  it('accepts overlapping writes and reads that agree with some order', () => {
    // Writes of 1 and 2 overlap; reads during them see 2 then 1, and a read
    // after both sees 1: the order w2, r→2, w1, r→1, r→1 explains it.
    const h = new RegisterHistory()
      .invoke(0, write(1))
      .invoke(1, write(2))
      .invoke(2, read())
      .ok(2, read(2))
      .invoke(2, read())
      .ok(2, read(1))
      .ok(0)
      .ok(1)
      .r(2, 1);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('accepts a read concurrent with a write returning either the old or the new value', () => {
    for (const seen of [null, 1]) {
      const h = new RegisterHistory().invoke(0, write(1)).invoke(1, read()).ok(1, read(seen)).ok(0).r(1, 1);
      expect(checkRegister(h.events).valid).toBe(true);
    }
  });

  it('drops failed operations, whatever they claim', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, write(2)).fail(1).invoke(1, cas(1, 5)).fail(1).r(0, 1);
    expect(checkRegister(h.events)).toMatchObject({ valid: true, keys: [{ ops: 2 }] });
  });
});

describe('register linearizability: violations', () => {
  it('rejects a stale read after a completed write, and shrinks it to the three ops that prove it', () => {
    // Noise around the violation: other processes, reads that are fine, and
    // another key. The violation: 2 is written (and acknowledged) after 1,
    // then a read returns 1.
    const h = new RegisterHistory()
      .r(3, null)
      .w(0, 1) // events 2,3
      .r(1, 1)
      .invoke(3, read())
      .ok(3, read(1))
      .w(2, 7, 'y')
      .w(0, 2) // events 10,11
      .r(3, 2)
      .r(2, 7, 'y')
      .r(1, 1) // events 16,17: stale
      .r(3, 2)
      .w(0, 3)
      .r(3, 3);
    const result = checkRegister(h.events);
    expect(result.valid).toBe(false);
    const x = keyResult(result.keys, 'x');
    expect(x.valid).toBe(false);
    expect(keyResult(result.keys, 'y').valid).toBe(true);
    expect(x.failure?.minimal.map((e) => e.index)).toEqual([2, 3, 10, 11, 16, 17]);
    expect(x.failure?.message).toMatch(/read \(process 1, events 16→17\) returned 1/);
    expect(x.failure?.message).toMatch(/holding 2/);
    // The minimal history is itself a (non-linearizable) history.
    expect(checkRegister(x.failure?.minimal ?? []).valid).toBe(false);
  });

  it('rejects a read of a value that was never written, down to that read alone', () => {
    const h = new RegisterHistory().w(0, 1).r(1, 1).w(0, 2).r(1, 9).r(2, 2);
    const x = keyResult(checkRegister(h.events).keys, 'x');
    expect(x.valid).toBe(false);
    expect(x.failure?.minimal.map((e) => e.index)).toEqual([6, 7]);
    expect(x.failure?.message).toMatch(/returned 9, but the register holds null \(absent\)/);
  });

  it('rejects a read that sees a write before it was invoked', () => {
    const h = new RegisterHistory().r(0, 5).w(1, 5);
    expect(checkRegister(h.events).valid).toBe(false);
  });

  it('rejects a read of a value once it is overwritten, even by concurrent writes', () => {
    // Both writes complete before the reads begin; the reads see 1 then 2
    // then 1 again — the register cannot go back.
    const h = new RegisterHistory().invoke(0, write(1)).invoke(1, write(2)).ok(0).ok(1).r(2, 1).r(2, 2).r(2, 1);
    expect(checkRegister(h.events).valid).toBe(false);
  });
});

describe('register linearizability: compare-and-set', () => {
  it('accepts a cas that succeeded when the value matched', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, cas(1, 2)).ok(1).r(0, 2);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('accepts a cas on an absent register expecting null', () => {
    const h = new RegisterHistory().invoke(0, cas(null, 4)).ok(0).r(1, 4);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('rejects a cas that succeeded although the value did not match', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, cas(2, 3)).ok(1);
    const x = keyResult(checkRegister(h.events).keys, 'x');
    expect(x.valid).toBe(false);
    expect(x.failure?.message).toMatch(/cas 2→3 .* succeeded, but/);
  });

  it('ignores a failed cas, and rejects a cas that failed yet took effect', () => {
    const failed = new RegisterHistory().w(0, 1).invoke(1, cas(2, 3)).fail(1).r(0, 1);
    expect(checkRegister(failed.events).valid).toBe(true);
    const leaked = new RegisterHistory().w(0, 1).invoke(1, cas(1, 3)).fail(1).r(0, 3);
    expect(checkRegister(leaked.events).valid).toBe(false);
  });

  it('rejects two successful cas from the same value', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, cas(1, 2)).invoke(2, cas(1, 3)).ok(1).ok(2);
    expect(checkRegister(h.events).valid).toBe(false);
  });
});

describe('register linearizability: indeterminate (info) operations', () => {
  it('accepts an info write that took effect', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, write(2)).info(1).r(0, 2);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('accepts an info write that did not take effect', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, write(2)).info(1).r(0, 1).r(0, 1);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('lets an info write take effect long after its info completion', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, write(2)).info(1).r(0, 1).w(0, 3).r(0, 3).r(0, 2).r(2, 2);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('never lets an info write take effect before its invocation', () => {
    const h = new RegisterHistory().r(0, 2).invoke(1, write(2)).info(1);
    expect(checkRegister(h.events).valid).toBe(false);
  });

  it('lets an info write take effect at most once', () => {
    const h = new RegisterHistory().invoke(1, write(2)).info(1).r(0, 2).w(0, 3).r(0, 2);
    expect(checkRegister(h.events).valid).toBe(false);
  });

  it('accepts an info cas either way, and only from its expected value', () => {
    const applied = new RegisterHistory().w(0, 1).invoke(1, cas(1, 2)).info(1).r(0, 2);
    const notApplied = new RegisterHistory().w(0, 1).invoke(1, cas(1, 2)).info(1).r(0, 1);
    const impossible = new RegisterHistory().w(0, 5).invoke(1, cas(1, 2)).info(1).r(0, 2);
    expect(checkRegister(applied.events).valid).toBe(true);
    expect(checkRegister(notApplied.events).valid).toBe(true);
    expect(checkRegister(impossible.events).valid).toBe(false);
  });

  it('keeps an info write available after a branch that used it up failed', () => {
    // Only order: p0's write 1, the info cas 1→2, cas 2→2, p1's (info) write
    // 1, the read. Trying p1's write first uses it up and fails; the search
    // must not then treat "cas 1→2 alone" as already explored.
    const h = new RegisterHistory()
      .invoke(0, write(1))
      .invoke(1, write(1))
      .ok(0)
      .invoke(2, cas(1, 2))
      .info(2)
      .invoke(2, cas(2, 2))
      .ok(2)
      .r(0, 1)
      .info(1);
    expect(checkRegister(h.events).valid).toBe(true);
  });

  it('drops info reads: they carry no value', () => {
    const h = new RegisterHistory().w(0, 1).invoke(1, read()).info(1).r(0, 1);
    expect(checkRegister(h.events)).toMatchObject({ valid: true, keys: [{ ops: 2 }] });
  });

  it('treats an invoke with no completion as info', () => {
    const tookEffect = new RegisterHistory().w(0, 1).invoke(1, write(5)).r(0, 5);
    const didNot = new RegisterHistory().w(0, 1).invoke(1, write(5)).r(0, 1);
    const tooEarly = new RegisterHistory().r(0, 5).invoke(1, write(5));
    expect(checkRegister(tookEffect.events).valid).toBe(true);
    expect(checkRegister(didNot.events).valid).toBe(true);
    expect(checkRegister(tooEarly.events).valid).toBe(false);
  });

  it('handles many identical indeterminate writes', () => {
    const h = new RegisterHistory();
    for (let p = 1; p <= 30; p++) h.invoke(p, write(p % 3)).info(p);
    h.r(0, 1).r(0, 2).r(0, 0).r(0, 2).r(0, 1);
    const result = checkRegister(h.events);
    expect(result.valid).toBe(true);
    const bad = new RegisterHistory();
    for (let p = 1; p <= 30; p++) bad.invoke(p, write(p % 3)).info(p);
    bad.r(0, 1).r(0, 2).r(0, 7);
    expect(checkRegister(bad.events).valid).toBe(false);
  });
});

describe('register linearizability: keys and budgets', () => {
  it('checks each key independently', () => {
    // On one register this would be a stale read; across keys it is fine.
    const h = new RegisterHistory().w(0, 1, 'a').w(1, 2, 'b').r(2, 1, 'a').r(2, 2, 'b').r(2, 1, 'a');
    const result = checkRegister(h.events);
    expect(result.valid).toBe(true);
    expect(result.keys.map((k) => k.key).sort()).toEqual(['a', 'b']);

    const bad = new RegisterHistory().w(0, 1, 'a').w(1, 2, 'b').w(1, 3, 'b').r(2, 1, 'a').r(2, 2, 'b');
    const badResult = checkRegister(bad.events);
    expect(badResult.valid).toBe(false);
    expect(keyResult(badResult.keys, 'a').valid).toBe(true);
    const b = keyResult(badResult.keys, 'b');
    expect(b.valid).toBe(false);
    expect(b.failure?.minimal.every((e) => e.op.key === 'b')).toBe(true);
  });

  it("reports 'unknown', never valid, when the visited budget runs out", () => {
    const h = new RegisterHistory().w(0, 1).r(1, 1).w(0, 2).r(1, 2);
    const result = checkRegister(h.events, { maxVisited: 2 });
    expect(result.valid).toBe('unknown');
    expect(result.keys[0]?.valid).toBe('unknown');
    expect(result.keys[0]?.failure).toBeUndefined();
  });

  it("reports 'unknown', never valid, when the time budget runs out", () => {
    const h = new RegisterHistory();
    for (let i = 1; i <= 3000; i++) h.w(i % 4, i).r((i + 1) % 4, i);
    expect(checkRegister(h.events).valid).toBe(true);
    expect(checkRegister(h.events, { timeoutMs: 0 }).valid).toBe('unknown');
  });

  it("is invalid when any key is invalid, even if another is 'unknown'", () => {
    const h = new RegisterHistory().w(0, 1, 'a').r(0, 1, 'a').w(0, 2, 'a').r(0, 2, 'a').r(1, 9, 'b');
    const result = checkRegister(h.events, { maxVisited: 2 });
    expect(keyResult(result.keys, 'a').valid).toBe('unknown');
    expect(result.valid).toBe(false);
  });

  it('rejects malformed histories instead of guessing', () => {
    const twoInvokes = new RegisterHistory().invoke(0, write(1)).invoke(0, write(2));
    expect(() => checkRegister(twoInvokes.events)).toThrow(HistoryError);
    const orphan = new RegisterHistory().ok(0, write(1));
    expect(() => checkRegister(orphan.events)).toThrow(HistoryError);
  });
});
