// Bounded client work on a node (src/server/admission.ts): beyond the limits,
// OVERLOADED with a retry hint at once; nothing is started to time out.
import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/server/admission.js';

const limits = { maxOps: 3, maxBytes: 1000, maxOpsPerStream: 2, retryAfterMs: 20 };

describe('Admission', () => {
  it('admits up to the node’s operation bound, then refuses with OVERLOADED{retryAfterMs}; a release makes room', () => {
    const a = new Admission(limits);
    expect([a.admit(10), a.admit(10), a.admit(10)]).toEqual([undefined, undefined, undefined]);
    const e = a.admit(10);
    expect(e?.code).toBe('OVERLOADED');
    expect(e?.detail.retryAfterMs).toBe(20);
    expect(a.refused.node).toBe(1);
    a.release(10);
    expect(a.admit(10)).toBeUndefined();
    expect(a.inFlightOps).toBe(3);
  });

  it('bounds bytes, but admits one request larger than the bound when nothing else is in flight', () => {
    const a = new Admission(limits);
    expect(a.admit(5000)).toBeUndefined(); // alone: admitted
    expect(a.admit(1)?.code).toBe('OVERLOADED');
    a.release(5000);
    expect(a.admit(600)).toBeUndefined();
    expect(a.admit(500)?.code).toBe('OVERLOADED');
    expect(a.admit(400)).toBeUndefined();
    expect(a.inFlightBytes).toBe(1000);
  });

  it('refuses beyond the per-stream bound whatever the node has room for', () => {
    const a = new Admission(limits);
    expect(a.admit(1, 2)?.code).toBe('OVERLOADED');
    expect(a.refused.stream).toBe(1);
    expect(a.inFlightOps).toBe(0);
  });
});
