// The node side of Watch: opens a feed on a local replica of the group that
// serves the request's start key, streams its catch-up and then its live
// steps, and keeps an idle group's resolved timestamp moving (docs/watch.md).
//
// Any replica serves a feed (every replica applies the same stream); a
// follower's resolved timestamp trails its leader's by its apply lag. A
// stream serves one group's contiguous part of the request and says where it
// ends; the SDK opens the rest on other groups. It ends with `moved` when a
// migration releases the range, and with a typed error on everything else
// that breaks it: the consumer resumes from the last resolved timestamp.

import { KvError, invalidArgument } from '../api/errors.js';
import { GroupMachine } from '../apply/group-machine.js';
import { OWNERSHIP } from '../distribution/ownership-state.js';
import type { OwnershipMap } from '../distribution/ownership.js';
import { physicalOf, type Hlc } from '../hlc/hlc.js';
import { notOwnerError } from '../kv/kv-service.js';
import { checkClientTimestamp } from '../kv/validate.js';
import type { NodeHost } from '../node/node-host.js';
import type { Replica } from '../node/replica.js';
import type { RouteCache } from '../routing/route-cache.js';
import { compareBytes } from '../storage/keys.js';
import { Feed, type FeedStep, type WatchEventOut } from './feed.js';

export interface WatchRequestIn {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
  readonly startTs: string | number;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly progressMs: number;
}

/** One response of a stream, as the service hands it to its transport. */
export type WatchOut =
  | { readonly kind: 'created'; readonly groupId: number; readonly servedEnd: Uint8Array; readonly fromTs: bigint }
  | { readonly kind: 'events'; readonly events: readonly WatchEventOut[]; readonly resolvedTs: bigint }
  | { readonly kind: 'moved'; readonly groupId: number; readonly atTs: bigint };

export interface WatchSink {
  /** Resolves when the response may be followed by another (the transport drained). */
  send(out: WatchOut): Promise<void>;
  readonly closed: boolean;
}

export interface WatchLimits {
  /** Streams served by this node at once. */
  readonly maxWatchers: number;
  /** Undelivered events a feed holds before it fails (OVERLOADED: the consumer resumes). */
  readonly maxBufferedEvents: number;
  readonly maxBufferedBytes: number;
  /** Events per response at most (one write's events are never split). */
  readonly maxStepEvents: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { maxWatchers: 10_000, maxBufferedEvents: 100_000, maxBufferedBytes: 64 << 20, maxStepEvents: 1000 };

export interface WatchServiceOptions {
  readonly host: NodeHost;
  readonly routes: RouteCache;
  readonly hlc: Hlc;
  /** Closes a timestamp in a group through its leader (BUMP_TS): an idle group's progress. */
  readonly bumpTs: (group: number, ts: bigint) => Promise<void>;
  readonly limits?: Partial<WatchLimits>;
}

const DEFAULT_PROGRESS_MS = 1000;

export class WatchService {
  private readonly limits: WatchLimits;
  /** Streams open now. */
  watchers = 0;
  /** When each group was last asked to close a timestamp for a feed (ms). */
  private readonly bumped = new Map<number, number>();
  readonly stats = { opened: 0, events: 0, progressBumps: 0, overloaded: 0 };

  constructor(private readonly opts: WatchServiceOptions) {
    this.limits = { ...DEFAULT_WATCH_LIMITS, ...opts.limits };
  }

  /** Serves one stream until it ends (resolves: `moved` sent, or the sink closed) or fails (a typed error). */
  async serve(req: WatchRequestIn, sink: WatchSink): Promise<void> {
    const start = req.start;
    const end = req.end;
    if (end.byteLength > 0 && compareBytes(start, end) >= 0) throw invalidArgument('end', 'must be after start (or empty: to the end of the key space)');
    const startTs = checkClientTimestamp(this.opts.hlc, 'start_ts', req.startTs);
    const progressMs = req.progressMs === 0 ? DEFAULT_PROGRESS_MS : req.progressMs;
    if (!(progressMs >= 100 && progressMs <= 60_000)) throw invalidArgument('progress_ms', 'must be 0 (1000) or between 100 and 60000');
    if (this.watchers >= this.limits.maxWatchers) {
      throw new KvError('OVERLOADED', `watch: this node serves ${this.watchers} streams, its limit`, { retryAfterMs: 1000, reason: 'too many watchers' });
    }
    const r = this.replicaServing(start);
    const m = GroupMachine.of(r);
    const servedEnd = servedRunEnd(m.state(OWNERSHIP).map, r.group, start, end);
    const feed = new Feed(m, {
      start,
      end: servedEnd,
      startTs,
      prevKv: req.prevKv,
      noPut: req.noPut,
      noDelete: req.noDelete,
      maxBufferedEvents: this.limits.maxBufferedEvents,
      maxBufferedBytes: this.limits.maxBufferedBytes,
      maxStepEvents: this.limits.maxStepEvents,
    });
    this.watchers++;
    this.stats.opened++;
    try {
      await sink.send({ kind: 'created', groupId: r.group, servedEnd, fromTs: feed.fromTs });
      for await (const step of feed.catchUp()) {
        if (sink.closed) return;
        await this.send(sink, step);
      }
      // Caught up: say so at once with the feed's resolved timestamp (its start), not a period later.
      await sink.send({ kind: 'events', events: [], resolvedTs: feed.resolvedTs });
      let lastSent = Date.now();
      let sentResolved = feed.resolvedTs;
      let noLeaderPeriods = 0;
      // A group idle since long before (or that never wrote: its clock is 0) is asked to close a
      // timestamp now, so the consumer's first real resolved timestamp does not wait a period.
      if (physicalOf(this.opts.hlc.now()) - physicalOf(feed.resolvedTs) > progressMs / 2) this.askProgress(r.group, progressMs);
      while (!sink.closed) {
        const step = await feed.next(progressMs);
        if (!step) {
          if (r.removed) throw new KvError('UNAVAILABLE', `watch: group ${r.group}'s replica left this node: resume elsewhere`, { groupId: r.group, retryAfterMs: 50 });
          // A replica that has known no leader for two periods cannot resolve anything: send the consumer elsewhere.
          if (r.leader() === 0) noLeaderPeriods++;
          else noLeaderPeriods = 0;
          if (noLeaderPeriods >= 2) throw new KvError('UNAVAILABLE', `watch: group ${r.group}'s replica here has had no leader for ${noLeaderPeriods} progress periods: resume elsewhere`, { groupId: r.group, retryAfterMs: 100 });
          this.askProgress(r.group, progressMs);
          continue;
        }
        noLeaderPeriods = 0;
        if (step.kind === 'moved') {
          await sink.send(step);
          return;
        }
        // A step with no event is progress: sent at most once per progress period (but the first
        // above a start the consumer could not use, such as 0, at once).
        if (step.events.length === 0 && sentResolved > 0n && Date.now() - lastSent < progressMs) continue;
        await this.send(sink, step);
        lastSent = Date.now();
        sentResolved = step.resolvedTs;
      }
    } catch (e) {
      if (e instanceof KvError && e.code === 'OVERLOADED') this.stats.overloaded++;
      throw e;
    } finally {
      feed.stop();
      this.watchers--;
    }
  }

  private async send(sink: WatchSink, step: FeedStep): Promise<void> {
    if (step.kind === 'events') this.stats.events += step.events.length;
    await sink.send(step);
  }

  /** Asks the group to close a timestamp now (one bump per group per half period, whoever asks). */
  private askProgress(group: number, progressMs: number): void {
    const now = Date.now();
    if (now - (this.bumped.get(group) ?? 0) < progressMs / 2) return;
    this.bumped.set(group, now);
    this.stats.progressBumps++;
    this.opts.bumpTs(group, this.opts.hlc.now()).catch(() => {
      // No leader now: the next period asks again; the feed's resolved timestamp waits.
    });
  }

  /** A local replica of the group whose applied state serves `key` for reads; else the typed error a client follows. */
  private replicaServing(key: Uint8Array): Replica {
    const hinted = this.opts.routes.lookup(key).groupId;
    const candidates: Replica[] = [];
    const h = hinted > 0 ? this.opts.host.replica(hinted) : undefined;
    if (h) candidates.push(h);
    else for (const r of this.opts.host.replicas.values()) candidates.push(r);
    let refusal: KvError | undefined;
    for (const r of candidates) {
      if (r.removed) continue;
      const m = GroupMachine.of(r);
      const bad = m.state(OWNERSHIP).map.check(key, undefined, 'read');
      if (!bad) return r;
      if (bad.code && bad.code !== 'NOT_OWNER') refusal ??= notOwnerError(r.group, bad);
    }
    if (refusal) throw refusal;
    if (hinted > 0 && !h) throw new KvError('UNAVAILABLE', `watch: this node holds no replica of group ${hinted}, which serves the key: ask one that does`, { groupId: hinted, retryAfterMs: 50 });
    throw new KvError('NOT_OWNER', 'watch: no replica on this node serves the key: refresh routes', {});
  }
}

/** The end of the contiguous run of read-served intervals from `start`, clipped to `end` (empty: +∞). */
function servedRunEnd(map: OwnershipMap, group: number, start: Uint8Array, end: Uint8Array): Uint8Array {
  const bad = map.check(start, end.byteLength > 0 ? end : new Uint8Array(0), 'read');
  if (!bad) return end;
  const at = bad.owned;
  // The refusal names the interval it met; the run ends where that interval starts (or, for a
  // gap, where the served run ends).
  if (bad.code === 'NOT_OWNER' && at && compareBytes(at.start, start) <= 0) return at.end;
  if (at && compareBytes(at.start, start) > 0) return at.start;
  throw notOwnerError(group, bad);
}
