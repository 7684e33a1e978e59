// The one retry loop (src/api/retry.ts): retries what is retryable, follows
// what the caller's onFailure decides, ends a write whose outcome it could not
// establish as UNKNOWN_RESULT, and a read that ran out of time as
// DEADLINE_EXCEEDED naming the last error.
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/api/errors.js';
import { retryCall } from '../../src/api/retry.js';

const fast = { baseMs: 1, maxMs: 2 };
const soon = (ms = 300): number => Date.now() + ms;

async function failure(p: Promise<unknown>): Promise<KvError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KvError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('retryCall', () => {
  it('retries retryable failures until an attempt succeeds', async () => {
    const seen: number[] = [];
    const out = await retryCall({
      what: 'Get',
      deadline: soon(10_000),
      policy: fast,
      attempt: ({ n }) => {
        seen.push(n);
        if (n < 3) throw new KvError(n % 2 ? 'NOT_LEADER' : 'UNAVAILABLE', 'try elsewhere');
        return Promise.resolve('value');
      },
    });
    expect(out).toBe('value');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('throws a non-retryable failure at once', async () => {
    let attempts = 0;
    const err = await failure(
      retryCall({
        what: 'Put',
        deadline: soon(10_000),
        policy: fast,
        attempt: () => {
          attempts++;
          throw new KvError('INVALID_ARGUMENT', 'key: too long', { field: 'key' });
        },
      }),
    );
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(attempts).toBe(1);
  });

  it('ends a write that may have applied as UNKNOWN_RESULT when no attempt succeeds in time', async () => {
    const err = await failure(
      retryCall({
        what: 'Put',
        write: true,
        deadline: soon(),
        policy: fast,
        attempt: ({ n }) => Promise.reject(new KvError(n === 0 ? 'UNAVAILABLE' : 'NOT_LEADER', 'connection reset')),
      }),
    );
    expect(err.code).toBe('UNKNOWN_RESULT');
    expect(err.message).toMatch(/retrying with the same request id is safe/);
  });

  it('ends a write that was only refused (never ambiguous) as DEADLINE_EXCEEDED, not UNKNOWN_RESULT', async () => {
    const err = await failure(retryCall({ what: 'Put', write: true, deadline: soon(), policy: fast, attempt: () => Promise.reject(new KvError('NOT_LEADER', 'not me')) }));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toMatch(/Put: deadline exceeded \(last error: NOT_LEADER: not me\)/);
  });

  it('ends a read that ran out of time as DEADLINE_EXCEEDED, whatever failed', async () => {
    const err = await failure(retryCall({ what: 'Get', deadline: soon(), policy: fast, attempt: () => Promise.reject(new KvError('UNAVAILABLE', 'down')) }));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
  });

  it('goes again at once when onFailure says so, and through the backoff otherwise', async () => {
    let clock = 0;
    const decisions: string[] = [];
    await failure(
      retryCall({
        what: 'Get',
        deadline: 5,
        now: () => clock++,
        policy: fast,
        attempt: () => Promise.reject(new KvError('NOT_LEADER', 'not me', { leaderAddress: 'x' })),
        onFailure: (_e, { n }) => {
          const d = n % 2 === 0 ? 'now' : 'backoff';
          decisions.push(d);
          return d;
        },
      }),
    );
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions[0]).toBe('now');
  });

  it('ends with the caller’s error when given one', async () => {
    const err = await failure(
      retryCall({
        what: 'group 3',
        deadline: soon(50),
        policy: fast,
        attempt: () => Promise.reject(new KvError('UNAVAILABLE', 'down')),
        exhausted: (last) => new KvError('UNAVAILABLE', `group 3: no leader answered (last: ${last?.message ?? ''})`),
      }),
    );
    expect(err.message).toBe('group 3: no leader answered (last: down)');
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    const err = await failure(
      retryCall({
        what: 'Get',
        deadline: soon(60_000),
        policy: { baseMs: 60_000, maxMs: 60_000 },
        signal: ac.signal,
        attempt: ({ n }) => {
          if (n === 0) setImmediate(() => ac.abort());
          return Promise.reject(new KvError('UNAVAILABLE', 'down'));
        },
      }),
    );
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toMatch(/aborted by the caller/);
  });
  it('names the last refusal, not the attempt the deadline itself cut short', async () => {
    // Regression (CI, unit tier): the last attempt began with 1 ms left and
    // timed out "no answer within 0 ms"; that replaced NOT_LEADER as the error named.
    let t = 1_000;
    const err = await failure(
      retryCall({
        what: 'get',
        deadline: 1_400,
        policy: fast,
        now: () => t,
        attempt: ({ n }) => {
          if (n === 0) {
            t = 1_399;
            throw new KvError('NOT_LEADER', 'not the leader (fake node)');
          }
          t = 1_400;
          throw new KvError('DEADLINE_EXCEEDED', 'get: no answer within 0 ms');
        },
      }),
    );
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.message).toMatch(/last error: NOT_LEADER/);
  });
});
