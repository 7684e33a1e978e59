// etcd's Watch over ferrykv's change feeds (docs/etcd-compat.md): one
// bidirectional stream carries many watches, each a ferrykv watch of the
// etcd range (the SDK's part stitching, resume and move following, run on
// the node). etcd promises events in revision order across the whole range,
// so events wait until the watch's resolved timestamp — the lowest over its
// parts — has passed them, then go out sorted by (revision, key); the
// resolved timestamp is also the revision of a progress notification.
// Watches from a compacted revision are created and then cancelled with the
// compaction revision, as etcd does.

import type { WatchBatch, WatchEvent, WatchOptions } from '../client/watch.js';
import type { Event } from '../proto-gen/mvccpb/Event.js';
import type { KeyValue } from '../proto-gen/mvccpb/KeyValue.js';
import type { ResponseHeader } from '../proto-gen/etcdserverpb/ResponseHeader.js';
import type { WatchCreateRequest__Output } from '../proto-gen/etcdserverpb/WatchCreateRequest.js';
import type { WatchRequest__Output } from '../proto-gen/etcdserverpb/WatchRequest.js';
import type { WatchResponse } from '../proto-gen/etcdserverpb/WatchResponse.js';
import { compareBytes } from '../runtime/bytes.js';
import { ErrCompacted } from './errors.js';
import { storeRange } from './keys.js';
import { decodeRow, type StoredRow } from './view.js';
import { kvOut } from './wire.js';

export interface EtcdWatchDeps {
  /** A ferrykv watch (resumes on its own; ends only with INVALID_ARGUMENT or when aborted). */
  watch(o: WatchOptions): AsyncGenerator<WatchBatch>;
  /** The key's version just below `ts` (prev_kv), if it had one and it is still readable. */
  readBefore(storeKey: Uint8Array, ts: bigint): Promise<StoredRow | undefined>;
  /** The compaction revision. */
  compacted(): Promise<bigint>;
  /** The node's current revision (its clock). */
  now(): bigint;
  header(revision: bigint): ResponseHeader;
  /** Bytes of events per response at most (a fragmenting client gets the rest in fragments). */
  readonly maxResponseBytes: number;
  /** With progress_notify: an empty response after this long without one. */
  readonly progressNotifyMs: number;
  /** How often each part of a watch reports its resolved timestamp (the ordering delay of an idle range). */
  readonly resolveMs: number;
}

/** Events a watch holds, waiting for the resolved timestamp, before it is cancelled as too slow. */
export const MAX_HELD_EVENTS = 100_000;
/** Watches on one stream at most. */
export const MAX_STREAM_WATCHES = 1000;

interface Held {
  readonly e: WatchEvent;
}

class OneWatch {
  readonly stop = new AbortController();
  resolved = 0n;
  lastSent = Date.now();
  private held: Held[] = [];

  constructor(
    readonly id: bigint,
    readonly req: WatchCreateRequest__Output,
  ) {}

  /** Adds a batch's events and takes out, sorted, the ones at or below its resolved timestamp. */
  take(b: WatchBatch): WatchEvent[] | 'overflow' {
    for (const e of b.events) this.held.push({ e });
    if (b.resolvedTs > this.resolved) this.resolved = b.resolvedTs;
    if (this.held.length > MAX_HELD_EVENTS) return 'overflow';
    const ready = this.held.filter((h) => h.e.commitTs <= this.resolved);
    if (ready.length === 0) return [];
    this.held = this.held.filter((h) => h.e.commitTs > this.resolved);
    return ready.map((h) => h.e).sort((a, b) => (a.commitTs === b.commitTs ? compareBytes(a.key, b.key) : a.commitTs < b.commitTs ? -1 : 1));
  }
}

/** One client stream of etcd's Watch. */
export class EtcdWatchStream {
  private readonly watches = new Map<bigint, OneWatch>();
  private nextId = 0n;
  private closed = false;

  constructor(
    private readonly deps: EtcdWatchDeps,
    /** Sends a response; resolves when the transport can take the next. */
    private readonly send: (r: WatchResponse) => Promise<void>,
  ) {}

  get size(): number {
    return this.watches.size;
  }

  async onRequest(req: WatchRequest__Output): Promise<void> {
    if (req.createRequest) await this.create(req.createRequest);
    else if (req.cancelRequest) await this.cancel(BigInt(req.cancelRequest.watchId), '');
    else if (req.progressRequest) await this.progressAll();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches.values()) w.stop.abort();
    this.watches.clear();
  }

  private header(rev: bigint): ResponseHeader {
    return this.deps.header(rev);
  }

  private async create(req: WatchCreateRequest__Output): Promise<void> {
    let id = BigInt(req.watchId);
    if (id === 0n || this.watches.has(id)) {
      // etcd hands out ids from 0 when the client leaves it to the server; a taken id is refused.
      if (id !== 0n) return this.send({ header: this.header(this.deps.now()), watchId: String(id), created: true, canceled: true, cancelReason: 'etcdserver: duplicate watch ID' });
      while (this.watches.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }
    const range = req.key.byteLength > 0 || req.rangeEnd.byteLength > 0 ? storeRange(req.key, req.rangeEnd) : undefined;
    if (!range || this.watches.size >= MAX_STREAM_WATCHES) {
      const reason = !range ? 'etcdserver: watch range is empty (range_end ≤ key, or no key)' : `etcdserver: too many watches on one stream (${MAX_STREAM_WATCHES})`;
      return this.send({ header: this.header(this.deps.now()), watchId: String(id), created: true, canceled: true, cancelReason: reason });
    }
    const w = new OneWatch(id, req);
    this.watches.set(id, w);
    const start = BigInt(req.startRevision);
    if (start > 0n) {
      await this.send({ header: this.header(this.deps.now()), watchId: String(id), created: true });
      const compacted = await this.deps.compacted().catch(() => 0n);
      if (start < compacted) return this.endCompacted(w, compacted);
    }
    // From now (start 0): `created` waits until every part of the feed is registered (its first
    // batch), so a write the client makes once it has `created` is always seen.
    void this.run(w, range.start, range.end, start).catch(() => this.watches.delete(id));
  }

  private async endCompacted(w: OneWatch, compactRevision: bigint): Promise<void> {
    this.watches.delete(w.id);
    w.stop.abort();
    await this.send({ header: this.header(this.deps.now()), watchId: String(w.id), canceled: true, compactRevision: String(compactRevision), cancelReason: ErrCompacted().message });
  }

  private async cancel(id: bigint, reason: string): Promise<void> {
    const w = this.watches.get(id);
    if (w) {
      this.watches.delete(id);
      w.stop.abort();
    }
    // etcd answers a cancel of an unknown id too (nothing to stop).
    await this.send({ header: this.header(this.deps.now()), watchId: String(id), canceled: true, ...(reason ? { cancelReason: reason } : {}) });
  }

  private async progressAll(): Promise<void> {
    for (const w of this.watches.values()) {
      if (w.resolved === 0n) continue; // not caught up yet: etcd answers only synced watchers
      w.lastSent = Date.now();
      await this.send({ header: this.header(w.resolved), watchId: String(w.id) });
    }
  }

  private async run(w: OneWatch, start: Uint8Array, end: Uint8Array, startRevision: bigint): Promise<void> {
    const filters = new Set(w.req.filters);
    const progress = w.req.progressNotify ? setInterval(() => void this.notify(w), Math.max(100, Math.floor(this.deps.progressNotifyMs / 2))) : undefined;
    try {
      const feed = this.deps.watch({
        start,
        end,
        // etcd: events at or after start_revision; a ferrykv watch: changes after fromTs.
        ...(startRevision > 0n ? { fromTs: startRevision - 1n } : {}),
        noPut: filters.has('NOPUT'),
        noDelete: filters.has('NODELETE'),
        progressMs: this.deps.resolveMs,
        signal: w.stop.signal,
      });
      let created = startRevision > 0n;
      for await (const b of feed) {
        if (this.closed || w.stop.signal.aborted) return;
        if (!created && b.resolvedTs > 0n) {
          created = true;
          await this.send({ header: this.header(this.deps.now()), watchId: String(w.id), created: true });
        }
        const ready = w.take(b);
        if (ready === 'overflow') return await this.cancel(w.id, `etcdserver: the watcher fell more than ${MAX_HELD_EVENTS} events behind its range's resolved revision`);
        if (ready.length > 0) await this.deliver(w, ready);
      }
    } catch (e) {
      if (this.closed || w.stop.signal.aborted) return;
      const safePoint = (e as { detail?: { safePoint?: bigint } }).detail?.safePoint;
      if (safePoint !== undefined) return await this.endCompacted(w, safePoint);
      await this.cancel(w.id, `etcdserver: ${(e as Error).message}`);
    } finally {
      if (progress) clearInterval(progress);
    }
  }

  private async notify(w: OneWatch): Promise<void> {
    if (this.closed || w.stop.signal.aborted || w.resolved === 0n || Date.now() - w.lastSent < this.deps.progressNotifyMs) return;
    w.lastSent = Date.now();
    await this.send({ header: this.header(w.resolved), watchId: String(w.id) }).catch(() => {});
  }

  /** Sends events in responses of at most maxResponseBytes (fragments when the client asked for them). */
  private async deliver(w: OneWatch, events: WatchEvent[]): Promise<void> {
    const out: Event[] = [];
    for (const e of events) out.push(await this.event(w, e));
    const chunks: Event[][] = [[]];
    let bytes = 0;
    for (const ev of out) {
      const n = eventBytes(ev);
      if (bytes + n > this.deps.maxResponseBytes && chunks[chunks.length - 1]!.length > 0) {
        chunks.push([]);
        bytes = 0;
      }
      chunks[chunks.length - 1]!.push(ev);
      bytes += n;
    }
    for (let i = 0; i < chunks.length; i++) {
      if (w.stop.signal.aborted) return;
      w.lastSent = Date.now();
      await this.send({ header: this.header(w.resolved), watchId: String(w.id), events: chunks[i]!, ...(w.req.fragment && i < chunks.length - 1 ? { fragment: true } : {}) });
    }
  }

  private async event(w: OneWatch, e: WatchEvent): Promise<Event> {
    const row = { key: e.key, value: e.value, ts: e.commitTs };
    const kv: KeyValue = e.type === 'put' ? kvOut(decodeRow(row), e.commitTs) : { key: decodeRow(row).key, modRevision: e.commitTs.toString() };
    if (!w.req.prevKv) return { type: e.type === 'put' ? 'PUT' : 'DELETE', kv };
    const prev = await this.deps.readBefore(e.key, e.commitTs).catch(() => undefined);
    return { type: e.type === 'put' ? 'PUT' : 'DELETE', kv, ...(prev ? { prevKv: kvOut(decodeRow(prev), prev.ts) } : {}) };
  }
}

function eventBytes(e: Event): number {
  const len = (b: unknown): number => (b instanceof Uint8Array ? b.byteLength : 0);
  return 64 + len(e.kv?.key) + len(e.kv?.value) + len(e.prevKv?.key) + len(e.prevKv?.value);
}
