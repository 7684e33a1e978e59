// Watch checker: what each watcher's feed delivered against what the clients
// wrote (docs/watch.md).
//
// Input: every write the workloads attempted (key, a value unique to that
// write, its outcome, and its commit timestamp when it was acknowledged), and
// per watcher the feed as delivered — events and resolved timestamps in
// arrival order — with the watcher's start timestamp and key range.
//
// Invariants, per watcher:
//   - lost: an acknowledged write in range with start < commit_ts ≤ the
//     watcher's last resolved timestamp that never arrived (at its commit
//     timestamp);
//   - unexpected: an event no attempted write accounts for (its value was
//     never written to that key, or only by a write that failed);
//   - wrong-ts: an event of an acknowledged write at another timestamp;
//   - resolved: an event at or below a resolved timestamp delivered before it
//     (this also rules out a repeat after a resolved timestamp covered it);
//     resolved timestamps going backwards;
//   - order: per key, the first arrivals are not in commit-timestamp order; a
//     repeat that is not an exact copy of an earlier event;
//   - stalled: the last resolved timestamp is below the newest acknowledged
//     write in range (the feed never caught up after the heal);
//   - errors: the feed ended with an error (the SDK retries all but a refused
//     request, so any error is a failure).
// Events of keys the workloads do not write (other workloads, a sentinel) are
// not judged. Repeats of an event above the last resolved timestamp before it
// are allowed (a resume replays from there) and counted.

export interface WatchWrite {
  readonly key: string;
  /** Unique per write of a key. */
  readonly value: string;
  readonly outcome: 'ok' | 'info' | 'fail';
  /** ok: the commit timestamp the write returned. */
  readonly commitTs?: bigint;
}

export type WatchItem = { readonly e: 'event'; readonly key: string; readonly value: string | null; readonly ts: bigint } | { readonly e: 'resolved'; readonly ts: bigint };

export interface WatcherLog {
  readonly name: string;
  /** Changes after this timestamp were asked for. */
  readonly fromTs: bigint;
  readonly inRange: (key: string) => boolean;
  readonly items: readonly WatchItem[];
  /** How many times the consumer restarted its feed from its last resolved timestamp. */
  readonly restarts: number;
  /** Errors the feed ended with (the SDK retries everything but a refused request: any is a failure). */
  readonly errors: readonly string[];
}

export interface WatcherResult {
  readonly name: string;
  readonly valid: boolean;
  readonly events: number;
  readonly repeats: number;
  readonly restarts: number;
  readonly judged: number;
  readonly finalResolved: string;
  readonly newestAcked: string;
  readonly stalled: boolean;
  readonly lost: string[];
  readonly unexpected: string[];
  readonly wrongTs: string[];
  readonly resolvedViolations: string[];
  readonly orderViolations: string[];
  readonly errors: readonly string[];
}

export interface WatchResult {
  readonly valid: boolean;
  readonly watchers: WatcherResult[];
}

const MAX_LISTED = 20;
const push = (xs: string[], s: string): void => {
  if (xs.length < MAX_LISTED) xs.push(s);
};

export function checkWatch(writes: readonly WatchWrite[], watchers: readonly WatcherLog[]): WatchResult {
  /** key → value → the writes of it (normally one). */
  const byKey = new Map<string, Map<string, WatchWrite>>();
  for (const w of writes) {
    let m = byKey.get(w.key);
    if (!m) byKey.set(w.key, (m = new Map<string, WatchWrite>()));
    const prev = m.get(w.value);
    // A value written twice (a retried op recorded twice) keeps its acknowledged record.
    if (!prev || (prev.outcome !== 'ok' && w.outcome === 'ok')) m.set(w.value, w);
  }
  const results = watchers.map((w) => checkWatcher(byKey, writes, w));
  return { valid: results.every((r) => r.valid), watchers: results };
}

function checkWatcher(byKey: ReadonlyMap<string, ReadonlyMap<string, WatchWrite>>, writes: readonly WatchWrite[], w: WatcherLog): WatcherResult {
  const lost: string[] = [];
  const unexpected: string[] = [];
  const wrongTs: string[] = [];
  const resolvedViolations: string[] = [];
  const orderViolations: string[] = [];
  let resolved = 0n;
  let events = 0;
  let repeats = 0;
  /** key → the events that arrived, first arrivals in order: ts → value. */
  const seen = new Map<string, Map<bigint, string | null>>();
  const lastFirst = new Map<string, bigint>();
  for (const it of w.items) {
    if (it.e === 'resolved') {
      if (it.ts < resolved) push(resolvedViolations, `resolved went back from ${resolved} to ${it.ts}`);
      else resolved = it.ts;
      continue;
    }
    const known = byKey.get(it.key);
    if (!known) continue; // not a key the workloads write
    events++;
    if (it.ts <= resolved) push(resolvedViolations, `${it.key}@${it.ts} arrived after resolved ${resolved}`);
    let perKey = seen.get(it.key);
    if (!perKey) seen.set(it.key, (perKey = new Map<bigint, string | null>()));
    if (perKey.has(it.ts)) {
      repeats++;
      if (perKey.get(it.ts) !== it.value) push(orderViolations, `${it.key}@${it.ts} arrived as ${String(perKey.get(it.ts))} and again as ${String(it.value)}`);
      continue;
    }
    perKey.set(it.ts, it.value);
    const before = lastFirst.get(it.key);
    if (before !== undefined && it.ts < before) push(orderViolations, `${it.key}: ${it.ts} arrived after ${before}`);
    lastFirst.set(it.key, it.ts);
    const write = it.value === null ? undefined : known.get(it.value);
    if (!write || write.outcome === 'fail') push(unexpected, `${it.key}@${it.ts}=${String(it.value)}`);
    else if (write.outcome === 'ok' && write.commitTs !== it.ts) push(wrongTs, `${it.key}=${it.value}: written at ${String(write.commitTs)}, delivered at ${it.ts}`);
  }
  let judged = 0;
  let newest = 0n;
  for (const x of writes) {
    if (x.outcome !== 'ok' || x.commitTs === undefined || !w.inRange(x.key)) continue;
    if (x.commitTs > newest) newest = x.commitTs;
    if (x.commitTs <= w.fromTs || x.commitTs > resolved) continue;
    judged++;
    if (!seen.get(x.key)?.has(x.commitTs)) push(lost, `${x.key}=${x.value}@${x.commitTs}`);
  }
  const stalled = resolved < newest;
  const valid = w.errors.length === 0 && !stalled && lost.length === 0 && unexpected.length === 0 && wrongTs.length === 0 && resolvedViolations.length === 0 && orderViolations.length === 0;
  return { name: w.name, valid, events, repeats, restarts: w.restarts, judged, finalResolved: resolved.toString(), newestAcked: newest.toString(), stalled, lost, unexpected, wrongTs, resolvedViolations, orderViolations, errors: w.errors };
}
