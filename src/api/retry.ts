// The one retry loop for a call that may need several attempts: used by the
// SDK (src/client/client.ts), a node's calls to other groups' leaders
// (src/rpc/group-client.ts) and ferryctl. One attempt at a time, within the
// call's deadline; after a failure the caller's `onFailure` follows what the
// error says (a leader hint, a stale route, another endpoint) and decides
// whether the next attempt goes at once or after the jittered backoff
// (src/runtime/backoff.ts). A write that failed in a way that may have
// applied (lost in transit, timed out) makes the call ambiguous: if no attempt
// then succeeds by the deadline the call ends UNKNOWN_RESULT, never a plain
// failure — and because the caller keeps one request id across attempts, a
// later retry with the same id applies at most once.

import { KvError } from './errors.js';
import { CLIENT_BACKOFF, backoffMs, sleep, type BackoffPolicy } from '../runtime/backoff.js';

/** Codes a call goes again after (possibly elsewhere) without changing the request. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['NOT_LEADER', 'UNAVAILABLE', 'OVERLOADED', 'WRITE_FENCED', 'RANGE_PENDING', 'NOT_OWNER', 'ROUTE_MOVED']);

/** Codes after which a write may or may not have applied. */
const AMBIGUOUS_CODES: ReadonlySet<string> = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL']);

export interface Attempt {
  /** 0 for the first attempt. */
  readonly n: number;
  /** Milliseconds left before the call's deadline. */
  readonly remainingMs: number;
}

/** What to do after a failed attempt: go again at once (the failure already took its time, or a hint says where), or after the backoff. */
export type Next = 'now' | 'backoff';

export interface CallOptions<T> {
  /** Names the call in the errors it ends with. */
  readonly what: string;
  /** Epoch ms. */
  readonly deadline: number;
  readonly attempt: (a: Attempt) => Promise<T>;
  /** A write: an ambiguous failure ends the call UNKNOWN_RESULT, not a plain failure. */
  readonly write?: boolean;
  readonly policy?: BackoffPolicy;
  readonly signal?: AbortSignal;
  /** Whether an error is worth another attempt (default: RETRYABLE_CODES and DEADLINE_EXCEEDED). */
  readonly retryable?: (err: KvError) => boolean;
  /** After a retryable failure: follow what it says; 'now' skips the backoff (default 'backoff'). */
  readonly onFailure?: (err: KvError, a: Attempt) => Promise<Next> | Next;
  /** The error the call ends with when the deadline passes without an ambiguity (default: below). */
  readonly exhausted?: (last: KvError | undefined) => KvError;
  /** At most this many attempts; after the last, its error is the call's (default: until the deadline). */
  readonly maxAttempts?: number;
  /** For tests: the clock. */
  readonly now?: () => number;
}

const defaultRetryable = (err: KvError): boolean => RETRYABLE_CODES.has(err.code) || err.code === 'DEADLINE_EXCEEDED';

/** The error a call ends with by default when its deadline passed (a retryable refusal became a failure by time). */
export function deadlineError(what: string, last: KvError | undefined): KvError {
  if (last && last.code !== 'DEADLINE_EXCEEDED' && RETRYABLE_CODES.has(last.code)) {
    return new KvError('DEADLINE_EXCEEDED', `${what}: deadline exceeded (last error: ${last.code}: ${last.message})`, last.detail);
  }
  return last ?? new KvError('DEADLINE_EXCEEDED', `${what}: deadline exceeded`);
}

export async function retryCall<T>(o: CallOptions<T>): Promise<T> {
  const now = o.now ?? Date.now;
  const retryable = o.retryable ?? defaultRetryable;
  let ambiguous = false;
  let last: KvError | undefined;
  for (let n = 0; ; n++) {
    if (o.signal?.aborted) throw new KvError('DEADLINE_EXCEEDED', `${o.what}: aborted by the caller`);
    const remainingMs = o.deadline - now();
    if (remainingMs <= 0) break;
    const a = { n, remainingMs };
    try {
      return await o.attempt(a);
    } catch (e) {
      const err = e instanceof KvError ? e : new KvError('UNAVAILABLE', String(e));
      // An attempt the call's own deadline cut short says nothing new: the refusal before it is the one worth naming.
      const cutShort = err.code === 'DEADLINE_EXCEEDED' && last !== undefined && o.deadline - now() <= 0;
      if (!cutShort) last = err;
      if (o.write && AMBIGUOUS_CODES.has(err.code)) ambiguous = true;
      if (!retryable(err) || (o.maxAttempts !== undefined && n + 1 >= o.maxAttempts)) throw err;
      const next = (await o.onFailure?.(err, a)) ?? 'backoff';
      if (next === 'backoff') await sleep(backoffMs(o.policy ?? CLIENT_BACKOFF, n, err.detail.retryAfterMs ?? 0, Math.max(0, o.deadline - now())), o.signal);
    }
  }
  if (ambiguous) {
    throw new KvError('UNKNOWN_RESULT', `the outcome of ${o.what} could not be established before the deadline (last error: ${last?.message ?? 'none'}); retrying with the same request id is safe`);
  }
  throw (o.exhausted ?? ((l) => deadlineError(o.what, l)))(last);
}
