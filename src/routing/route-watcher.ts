// Keeps a RouteCache current: a WatchRoutes stream to the default-group leader
// (following NOT_LEADER redirects), a full resync whenever the stream is
// (re)opened or a delta does not fit, and ListRoutes polling while no stream
// can be held. Used by every node and by the SDK.

import * as grpc from '@grpc/grpc-js';
import { KvError, fromServiceError } from '../api/errors.js';
import type { ListRoutesResponse__Output } from '../proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { RouteEvent__Output } from '../proto-gen/ferrykv/v1/RouteEvent.js';
import type { RoutingClient } from '../proto-gen/ferrykv/v1/Routing.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { fromRawRoute } from './codec.js';
import type { RouteCache } from './route-cache.js';
import { STREAM_BACKOFF, backoffMs } from '../runtime/backoff.js';

export interface RouteWatcherOptions {
  readonly cache: RouteCache;
  /** Where to look for the catalog (host:port); called each time, so it may change. */
  readonly endpoints: () => readonly string[];
  /** Interval of ListRoutes polling while no watch stream is open (ms). */
  readonly pollMs?: number;
  /** Deadline of one ListRoutes call (ms). */
  readonly timeoutMs?: number;
  readonly onError?: (message: string, err: KvError) => void;
}

/** NOT_LEADER redirects followed at once before the watcher backs off. */
const MAX_REDIRECTS = 3;

export class RouteWatcher {
  private readonly clients = new Map<string, RoutingClient>();
  private call: grpc.ClientReadableStream<RouteEvent__Output> | undefined;
  private closed = false;
  private paused = false;
  private streaming = false;
  private next = 0;
  private preferred: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private failures = 0;
  /** NOT_LEADER redirects followed since the last event (stale hints can bounce between nodes). */
  private redirects = 0;

  constructor(private readonly opts: RouteWatcherOptions) {}

  get cache(): RouteCache {
    return this.opts.cache;
  }

  /** Whether a watch stream is open now. */
  get watching(): boolean {
    return this.streaming;
  }

  start(): void {
    this.openStream();
    this.pollTimer = setInterval(() => {
      if (!this.streaming && !this.paused) this.refresh().catch(() => {});
    }, this.opts.pollMs ?? 1000);
    this.pollTimer.unref();
  }

  /**
   * Fetches the whole catalog now (concurrent callers share one request). Used
   * after NOT_OWNER and while the stream is down. Rejects if no node answers.
   */
  refresh(): Promise<void> {
    if (this.paused) return Promise.resolve();
    this.inflight ??= this.fetch().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** TEST HOOK: freeze the cache (no events, no refresh) to exercise stale-route handling. */
  pause(): void {
    this.paused = true;
    this.call?.cancel();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.openStream();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pollTimer);
    this.call?.cancel();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(endpoint: string): RoutingClient {
    let c = this.clients.get(endpoint);
    if (!c) {
      c = new (protos().pub.ferrykv.v1.Routing)(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(endpoint, c);
    }
    return c;
  }

  private pick(): string | undefined {
    if (this.preferred) return this.preferred;
    const eps = this.opts.endpoints();
    if (eps.length === 0) return undefined;
    return eps[this.next++ % eps.length];
  }

  private async fetch(): Promise<void> {
    const eps = this.opts.endpoints();
    let last: KvError | undefined;
    for (let i = 0; i < Math.max(1, eps.length); i++) {
      const ep = i === 0 && this.preferred ? this.preferred : eps[(this.next + i) % eps.length];
      if (!ep) break;
      try {
        const res = await this.list(ep);
        this.applyListing(res);
        return;
      } catch (e) {
        last = e instanceof KvError ? e : new KvError('UNAVAILABLE', String(e));
      }
    }
    throw last ?? new KvError('UNAVAILABLE', 'no endpoint to fetch routes from');
  }

  private list(endpoint: string): Promise<ListRoutesResponse__Output> {
    return new Promise((resolve, reject) => {
      this.client(endpoint).ListRoutes({ local: false }, { deadline: Date.now() + (this.opts.timeoutMs ?? 5000) }, (err, res) => {
        if (err) reject(fromServiceError(err));
        else resolve(res!);
      });
    });
  }

  private applyListing(res: ListRoutesResponse__Output): void {
    if (this.paused) return;
    this.opts.cache.apply({ version: Number(res.version), reset: true, routes: res.routes.map(fromRawRoute) });
    for (const l of res.leaders) this.opts.cache.setLeader(l.groupId, l.address ? { nodeId: l.nodeId, address: l.address } : undefined);
  }

  private openStream(): void {
    if (this.closed || this.paused || this.call) return;
    const ep = this.pick();
    if (!ep) return this.retryLater();
    const call = this.client(ep).WatchRoutes({ fromVersion: String(this.opts.cache.version) });
    this.call = call;
    call.on('data', (ev: RouteEvent__Output) => {
      if (this.paused) return;
      this.streaming = true;
      this.failures = 0;
      this.redirects = 0;
      const ok = this.opts.cache.apply({ version: Number(ev.version), reset: ev.reset, routes: ev.routes.map(fromRawRoute) });
      if (!ok) {
        // A gap: reopen from our version; the server sends a reset if it must.
        call.cancel();
      }
    });
    const done = (err?: grpc.ServiceError): void => {
      if (this.call !== call) return;
      this.call = undefined;
      this.streaming = false;
      if (this.closed || this.paused) return;
      const e = err ? fromServiceError(err) : undefined;
      if (e?.code === 'NOT_LEADER' && e.detail.leaderAddress) {
        this.preferred = e.detail.leaderAddress;
        if (this.redirects++ < MAX_REDIRECTS) {
          this.openStream();
          return;
        }
        // Hints that keep bouncing (an election, stale views): back off instead of redialling at once.
        this.opts.onError?.('route watch redirected too often; retrying', e);
        this.retryLater();
        return;
      }
      this.preferred = undefined;
      if (e && err?.code !== grpc.status.CANCELLED) this.opts.onError?.('route watch stream failed; retrying', e);
      this.retryLater();
    };
    call.on('error', (err: grpc.ServiceError) => done(err));
    call.on('end', () => done());
  }

  private retryLater(): void {
    if (this.closed || this.paused) return;
    this.failures++;
    const delay = backoffMs(STREAM_BACKOFF, this.failures);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.refresh().catch(() => {});
      this.openStream();
    }, delay);
    this.retryTimer.unref();
  }
}
