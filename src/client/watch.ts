// The SDK's change feed: `for await (const batch of db.watch({ prefix }))`
// (docs/watch.md).
//
// A watch over a range is one server stream per route part: the client opens
// a stream at the range's start; the server answers with the end of the part
// its group serves, and the client opens the rest from there. Each part
// resumes on its own — after a disconnect, a leader change, a node that
// stopped, a slow-consumer cut-off, or a migration that moved it — from the
// last resolved timestamp that part delivered, so nothing is missed; events
// it delivered above that point (a catch-up cut short) are remembered (up to
// 100,000 per part) and not delivered again when the resumed stream replays
// them.
//
// Batches carry the watch's resolved timestamp: the minimum over its parts,
// so when a batch says R, every change in the whole range at or below R has
// been delivered. Only INVALID_ARGUMENT (a bad range, a start below the GC
// safe point) ends the iteration with an error; everything else is retried
// with backoff until the caller stops iterating or aborts.

import type * as grpc from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { KvError, fromServiceError } from '../api/errors.js';
import type { WatchClient } from '../proto-gen/ferrykv/v1/Watch.js';
import type { WatchResponse__Output } from '../proto-gen/ferrykv/v1/WatchResponse.js';
import { CLIENT_BACKOFF, backoffMs, sleep } from '../runtime/backoff.js';
import { compareBytes, keyPrefixEnd } from '../runtime/bytes.js';
import type { Bytes } from './types.js';

export interface WatchOptions {
  /** Watch every key with this prefix (or give start/end). */
  readonly prefix?: Bytes;
  readonly start?: Bytes;
  /** Exclusive; omitted or empty: to the end of the key space. */
  readonly end?: Bytes;
  /** Changes committed after this timestamp (default: from now). */
  readonly fromTs?: bigint;
  /** Each event carries the key's previous value. */
  readonly prevKv?: boolean;
  readonly noPut?: boolean;
  readonly noDelete?: boolean;
  /** Resolved-timestamp progress at least this often while nothing changes (ms, default 1000). */
  readonly progressMs?: number;
  readonly signal?: AbortSignal;
}

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: Buffer;
  /** put: the value written. */
  readonly value: Buffer;
  readonly commitTs: bigint;
  /** prevKv: the previous value (null: the key had none). */
  readonly prevValue?: Buffer | null;
}

export interface WatchBatch {
  /** Per key in commit order; one atomic write's events in a group share a commitTs. */
  readonly events: readonly WatchEvent[];
  /** Every change in the watched range at or below it has been delivered (0 until every part reported). */
  readonly resolvedTs: bigint;
}

/** What the watch needs from the client. */
export interface WatchPort {
  watchClient(endpoint: string): WatchClient;
  /** The endpoint believed to lead the group serving `key`, if any. */
  endpointFor(key: Uint8Array): string | undefined;
  /** Another endpoint to try after one failed. */
  nextEndpoint(): string;
  refreshRoutes(): Promise<void>;
}

interface Part {
  readonly start: Buffer;
  /** Exclusive; empty: +∞. */
  end: Buffer;
  /** Where the part resumes: its last resolved timestamp (or the watch's start). */
  resumeTs: bigint;
  resolved: bigint;
  /** The current stream answered (the backoff starts over when it breaks). */
  heard?: boolean;
  /** Events delivered above the part's resolved timestamp (key hex @ ts), so a resume does not deliver them twice. */
  above?: Set<string>;
}

/** Events above a part's resolved timestamp remembered at most; past it a resume may repeat some (docs/watch.md). */
const ABOVE_RESOLVED_KEPT = 100_000;

/** Items queued for the iterator beyond which the parts' streams pause. */
const QUEUE_HIGH = 64;

export function watchRange(port: WatchPort, o: WatchOptions, toBytes: (b: Bytes) => Buffer): AsyncGenerator<WatchBatch> {
  const { start, end } = rangeOf(o, toBytes);
  const progressMs = o.progressMs ?? 0;
  if (progressMs !== 0 && !(progressMs >= 100 && progressMs <= 60_000)) throw new KvError('INVALID_ARGUMENT', 'progressMs: must be between 100 and 60000', { field: 'progressMs' });
  return new WatchRun(port, o, progressMs).run({ start, end, resumeTs: o.fromTs ?? 0n, resolved: 0n });
}

type Outcome = 'moved' | 'ended' | KvError;

/** One watch: its parts' streams feeding one queue the iterator drains. */
class WatchRun {
  private readonly queue: (WatchBatch | KvError)[] = [];
  private wake: (() => void) | undefined;
  private readonly stop = new AbortController();
  private readonly parts = new Set<Part>();
  private readonly calls = new Set<grpc.ClientReadableStream<WatchResponse__Output>>();
  private lastResolved = 0n;

  constructor(
    private readonly port: WatchPort,
    private readonly o: WatchOptions,
    private readonly progressMs: number,
  ) {
    this.stop.signal.addEventListener('abort', () => this.poke(), { once: true });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private push(x: WatchBatch | KvError): void {
    this.queue.push(x);
    if (this.queue.length > QUEUE_HIGH) for (const c of this.calls) c.pause();
    this.poke();
  }

  async *run(first: Part): AsyncGenerator<WatchBatch> {
    const onAbort = (): void => this.stop.abort();
    this.o.signal?.addEventListener('abort', onAbort, { once: true });
    this.parts.add(first);
    void this.runPart(first);
    try {
      for (;;) {
        if (this.stop.signal.aborted && this.queue.length === 0) return;
        const item = this.queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          continue;
        }
        if (this.queue.length <= QUEUE_HIGH / 2) for (const c of this.calls) c.resume();
        if (item instanceof KvError) throw item;
        yield item;
      }
    } finally {
      this.stop.abort();
      this.o.signal?.removeEventListener('abort', onAbort);
      for (const c of this.calls) c.cancel();
    }
  }

  /** The watch's resolved timestamp: the lowest of its parts'. */
  private resolvedNow(): bigint {
    let min: bigint | undefined;
    for (const p of this.parts) if (min === undefined || p.resolved < min) min = p.resolved;
    return min ?? 0n;
  }

  private emit(events: WatchEvent[]): void {
    const r = this.resolvedNow();
    if (events.length === 0 && r <= this.lastResolved) return;
    if (r > this.lastResolved) this.lastResolved = r;
    this.push({ events, resolvedTs: this.lastResolved });
  }

  /** Streams one part until the watch stops, resuming after every break. */
  private async runPart(p: Part): Promise<void> {
    let endpoint = this.port.endpointFor(p.start) ?? this.port.nextEndpoint();
    for (let attempt = 0; !this.stop.signal.aborted; ) {
      p.heard = false;
      const outcome = await this.streamOnce(p, endpoint);
      if (p.heard) attempt = 0;
      if (outcome === 'moved') {
        attempt = 0;
        await this.port.refreshRoutes().catch(() => {});
        endpoint = this.port.endpointFor(p.start) ?? this.port.nextEndpoint();
        continue;
      }
      if (outcome === 'ended') {
        // The server ended the stream without saying why (it does not, but a proxy might): go on elsewhere, paced.
        endpoint = this.port.nextEndpoint();
        await sleep(backoffMs(CLIENT_BACKOFF, attempt++), this.stop.signal);
        continue;
      }
      if (outcome.code === 'INVALID_ARGUMENT') {
        this.push(outcome);
        this.stop.abort();
        return;
      }
      if (outcome.code === 'NOT_LEADER' && outcome.detail.leaderAddress) endpoint = outcome.detail.leaderAddress;
      else if (outcome.code === 'NOT_OWNER' || outcome.code === 'ROUTE_MOVED' || outcome.code === 'RANGE_PENDING') {
        await this.port.refreshRoutes().catch(() => {});
        endpoint = this.port.endpointFor(p.start) ?? this.port.nextEndpoint();
      } else endpoint = this.port.nextEndpoint();
      await sleep(backoffMs(CLIENT_BACKOFF, attempt++, outcome.detail.retryAfterMs ?? 0), this.stop.signal);
    }
  }

  /** One stream of a part: resolves with how it ended. */
  private streamOnce(p: Part, endpoint: string): Promise<Outcome> {
    return new Promise((resolve) => {
      const o = this.o;
      const call = this.port.watchClient(endpoint).Watch({ start: p.start, end: p.end, startTs: p.resumeTs.toString(), prevKv: o.prevKv ?? false, noPut: o.noPut ?? false, noDelete: o.noDelete ?? false, progressMs: this.progressMs });
      this.calls.add(call);
      let done = false;
      const finish = (x: Outcome): void => {
        if (done) return;
        done = true;
        this.calls.delete(call);
        this.stop.signal.removeEventListener('abort', cancel);
        resolve(x);
      };
      const cancel = (): void => {
        call.cancel();
        finish('ended');
      };
      this.stop.signal.addEventListener('abort', cancel, { once: true });
      if (this.queue.length > QUEUE_HIGH) call.pause();
      call.on('data', (r: WatchResponse__Output) => {
        if (this.onResponse(p, r)) finish('moved');
      });
      call.on('error', (e: grpc.ServiceError) => finish(e.code === grpcStatus.CANCELLED ? 'ended' : fromServiceError(e)));
      call.on('end', () => finish('ended'));
    });
  }

  /** Takes one response of a part's stream; true when it says the part moved. */
  private onResponse(p: Part, r: WatchResponse__Output): boolean {
    p.heard = true;
    const resolved = BigInt(r.resolvedTs || '0');
    if (r.created) {
      const servedEnd = Buffer.from(r.servedEnd);
      if (servedEnd.byteLength > 0 && (p.end.byteLength === 0 || compareBytes(servedEnd, p.end) < 0)) {
        // The group serves only the first piece: the rest is another part, from the same point.
        const rest: Part = { start: servedEnd, end: p.end, resumeTs: p.resumeTs, resolved: p.resolved, ...(p.above ? { above: new Set(p.above) } : {}) };
        p.end = servedEnd;
        this.parts.add(rest);
        void this.runPart(rest);
      }
      if (resolved > p.resumeTs) p.resumeTs = resolved;
      return false;
    }
    const prevKv = this.o.prevKv ?? false;
    const events: WatchEvent[] = [];
    for (const e of r.events) {
      const commitTs = BigInt(e.commitTs);
      // An event this part delivered above its resume point (a catch-up cut short) comes again after a resume: once is enough.
      const id = `${Buffer.from(e.key).toString('hex')}@${commitTs}`;
      if (p.above?.has(id)) continue;
      if (commitTs > resolved && (p.above ??= new Set()).size < ABOVE_RESOLVED_KEPT) p.above.add(id);
      events.push({
        type: e.type === 'DELETE' ? 'delete' : 'put',
        key: Buffer.from(e.key),
        value: Buffer.from(e.value),
        commitTs,
        ...(prevKv ? { prevValue: e.hasPrev ? Buffer.from(e.prevValue) : null } : {}),
      });
    }
    if (p.above && resolved > 0n) {
      // At or below a resolved timestamp nothing comes again: forget those.
      for (const id of p.above) if (BigInt(id.slice(id.indexOf('@') + 1)) <= resolved) p.above.delete(id);
      if (p.above.size === 0) p.above = undefined;
    }
    if (resolved > p.resolved) p.resolved = resolved;
    if (resolved > p.resumeTs) p.resumeTs = resolved;
    this.emit(events);
    return r.moved !== null && r.moved !== undefined;
  }
}

function rangeOf(o: WatchOptions, toBytes: (b: Bytes) => Buffer): { start: Buffer; end: Buffer } {
  if (o.prefix !== undefined) {
    if (o.start !== undefined || o.end !== undefined) throw new KvError('INVALID_ARGUMENT', 'watch: give a prefix or start/end, not both', { field: 'prefix' });
    const p = toBytes(o.prefix);
    return { start: p, end: Buffer.from(keyPrefixEnd(p)) };
  }
  const start = o.start === undefined ? Buffer.alloc(0) : toBytes(o.start);
  const end = o.end === undefined ? Buffer.alloc(0) : toBytes(o.end);
  if (end.byteLength > 0 && compareBytes(start, end) >= 0) throw new KvError('INVALID_ARGUMENT', 'watch: end must be after start', { field: 'end' });
  return { start, end };
}
