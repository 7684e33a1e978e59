// The one backoff of ferrykv: exponential from a base to a cap, jittered
// (each wait is 50–100 % of the step, so clients that failed together do not
// return together), never shorter than a server's retry-after hint and never
// past the caller's deadline. Every retry loop — the SDK, a node's calls to
// other groups, the route watch, the node-side plane services, ferryctl —
// waits through it, with one of the named policies below.

export interface BackoffPolicy {
  /** The first step (ms). */
  readonly baseMs: number;
  /** No step is longer (ms). */
  readonly maxMs: number;
}

/** The SDK and ferryctl: a client call to any node. */
export const CLIENT_BACKOFF: BackoffPolicy = { baseMs: 10, maxMs: 1000 };
/** A node's call to another group's leader (migration steps, transaction steps, digests). */
export const GROUP_BACKOFF: BackoffPolicy = { baseMs: 20, maxMs: 500 };
/** A node waiting on its own replicas (a stale route, an election, a pending range). */
export const LOCAL_BACKOFF: BackoffPolicy = { baseMs: 5, maxMs: 200 };
/** Reopening a long-lived stream (the route watch). */
export const STREAM_BACKOFF: BackoffPolicy = { baseMs: 50, maxMs: 2000 };

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 0):
 * min(cap, base·2^attempt) jittered, raised to `hintMs`, cut to `remainingMs`.
 */
export function backoffMs(policy: BackoffPolicy, attempt: number, hintMs = 0, remainingMs = Infinity, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const jittered = step * (0.5 + random() / 2);
  return Math.max(0, Math.min(Math.max(jittered, hintMs), remainingMs));
}

/** Resolves after `ms` (at once when `signal` aborts; never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves after the event loop has run its pending I/O callbacks once (a yield between slices of long work). */
export function yieldLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves once Date.now() reaches `t`, in sleeps of at most a second each: a
 * single long timer can fire early, and a wait that stops at a cap leaves early.
 */
export async function sleepUntil(t: number): Promise<void> {
  for (let wait = t - Date.now(); wait > 0; wait = t - Date.now()) await sleep(Math.min(wait, 1000));
}
