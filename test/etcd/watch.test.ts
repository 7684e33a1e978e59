import { describe, expect, it } from 'vitest';
import type { WatchBatch, WatchOptions } from '../../src/client/watch.js';
import { encodeEnvelope } from '../../src/etcd/envelope.js';
import { storeKey } from '../../src/etcd/keys.js';
import { EtcdWatchStream, type EtcdWatchDeps } from '../../src/etcd/watch.js';
import type { WatchResponse } from '../../src/proto-gen/etcdserverpb/WatchResponse.js';
import type { WatchCreateRequest__Output } from '../../src/proto-gen/etcdserverpb/WatchCreateRequest.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (u: unknown): string => Buffer.from(u as Uint8Array).toString();

/** A feed the test pushes batches into, as the ferrykv watch would yield them. */
class FakeFeed {
  readonly opened: WatchOptions[] = [];
  private queue: (WatchBatch | Error)[] = [];
  private wake: (() => void) | undefined;

  push(x: WatchBatch | Error): void {
    this.queue.push(x);
    this.wake?.();
  }

  watch = (o: WatchOptions): AsyncGenerator<WatchBatch> => {
    this.opened.push(o);
    return this.run(o);
  };

  private async *run(o: WatchOptions): AsyncGenerator<WatchBatch> {
    {
      for (;;) {
        if (o.signal?.aborted) return;
        const x = this.queue.shift();
        if (!x) {
          await new Promise<void>((r) => {
            this.wake = r;
            o.signal?.addEventListener('abort', () => r(), { once: true });
          });
          continue;
        }
        if (x instanceof Error) throw x;
        yield x;
      }
    }
  }
}

const put = (key: string, value: string, ts: bigint, version = 1n) => ({ type: 'put' as const, key: Buffer.from(storeKey(b(key))), value: Buffer.from(encodeEnvelope({ createRevision: 0n, version, lease: 0n }, b(value))), commitTs: ts });
const del = (key: string, ts: bigint) => ({ type: 'delete' as const, key: Buffer.from(storeKey(b(key))), value: Buffer.alloc(0), commitTs: ts });

function create(o: Partial<WatchCreateRequest__Output> = {}): WatchCreateRequest__Output {
  return { key: b('a'), rangeEnd: b('z'), startRevision: '0', progressNotify: false, filters: [], prevKv: false, watchId: '0', fragment: false, ...o };
}

function setup(over: Partial<EtcdWatchDeps> = {}) {
  const feed = new FakeFeed();
  const sent: WatchResponse[] = [];
  const deps: EtcdWatchDeps = {
    watch: feed.watch,
    readBefore: () => Promise.resolve(undefined),
    compacted: () => Promise.resolve(0n),
    now: () => 1000n,
    header: (revision) => ({ revision: revision.toString() }),
    maxResponseBytes: 1 << 20,
    progressNotifyMs: 60_000,
    resolveMs: 200,
    ...over,
  };
  const stream = new EtcdWatchStream(deps, (r) => {
    sent.push(r);
    return Promise.resolve();
  });
  return { feed, sent, stream };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('etcd watch streams', () => {
  it('answers created from now only once the feed is in place, then events in revision order across parts', async () => {
    const { feed, sent, stream } = setup();
    await stream.onRequest({ createRequest: create() });
    await tick();
    expect(sent).toEqual([]); // no part has reported yet
    // Two parts' events arrive out of order; the watch resolved timestamp (the lowest part's) says what may go.
    feed.push({ events: [], resolvedTs: 1000n });
    await tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ watchId: '0', created: true });
    feed.push({ events: [put('m', 'second', 1020n)], resolvedTs: 1010n });
    feed.push({ events: [put('b', 'first', 1010n)], resolvedTs: 1010n });
    await tick();
    expect(sent[1]!.events!.map((e) => str(e.kv!.value))).toEqual(['first']);
    feed.push({ events: [del('b', 1030n)], resolvedTs: 1030n });
    await tick();
    const later = sent[2]!.events!;
    expect(later.map((e) => `${e.type} ${str(e.kv!.key)} @${String(e.kv!.modRevision)}`)).toEqual(['PUT m @1020', 'DELETE b @1030']);
    expect(sent[2]!.header!.revision).toBe('1030');
    // The feed covers the etcd range in the store's key space.
    expect(str(feed.opened[0]!.start)).toContain('etcd/a');
    expect(feed.opened[0]!.fromTs).toBeUndefined();
    stream.close();
  });

  it('a start revision opens the feed just below it, answers created at once, and passes the filters', async () => {
    const { feed, sent, stream } = setup();
    await stream.onRequest({ createRequest: create({ startRevision: '500', filters: ['NOPUT'], watchId: '7' }) });
    expect(sent[0]).toMatchObject({ watchId: '7', created: true });
    expect(feed.opened[0]).toMatchObject({ fromTs: 499n, noPut: true, noDelete: false });
    // A second create leaves id 7 alone; the server's ids count from 0.
    await stream.onRequest({ createRequest: create() });
    await stream.onRequest({ createRequest: create({ watchId: '7' }) });
    expect(sent.at(-1)).toMatchObject({ watchId: '7', canceled: true, cancelReason: 'etcdserver: duplicate watch ID' });
    await stream.onRequest({ cancelRequest: { watchId: '7' } });
    expect(sent.at(-1)).toMatchObject({ watchId: '7', canceled: true });
    expect(stream.size).toBe(1);
    stream.close();
  });

  it('a start below the compaction revision is created and then cancelled with it', async () => {
    const { sent, stream } = setup({ compacted: () => Promise.resolve(800n) });
    await stream.onRequest({ createRequest: create({ startRevision: '700' }) });
    expect(sent[0]).toMatchObject({ created: true });
    expect(sent[1]).toMatchObject({ canceled: true, compactRevision: '800', cancelReason: 'etcdserver: mvcc: required revision has been compacted' });
    expect(stream.size).toBe(0);
  });

  it('splits large deliveries into fragments when asked, and adds prev_kv from the version below', async () => {
    const { feed, sent, stream } = setup({
      maxResponseBytes: 300,
      readBefore: (key, ts) => Promise.resolve({ key, value: encodeEnvelope({ createRevision: 5n, version: 1n, lease: 0n }, b('old')), ts: ts - 5n }),
    });
    await stream.onRequest({ createRequest: create({ startRevision: '1', fragment: true, prevKv: true }) });
    feed.push({ events: [put('a', 'x'.repeat(200), 10n, 2n), put('c', 'y'.repeat(200), 10n, 2n), put('d', 'z'.repeat(200), 10n, 2n)], resolvedTs: 10n });
    await tick();
    const parts = sent.slice(1);
    expect(parts.length).toBe(3);
    expect(parts.map((p) => p.fragment ?? false)).toEqual([true, true, false]);
    const first = parts[0]!.events![0]!;
    expect(str(first.prevKv!.value)).toBe('old');
    expect(String(first.prevKv!.modRevision)).toBe('5');
    expect(String(first.kv!.version)).toBe('2');
    stream.close();
  });

  it('a feed refused for a start below the GC safe point ends the watch as compacted', async () => {
    const { feed, sent, stream } = setup();
    await stream.onRequest({ createRequest: create({ startRevision: '3' }) });
    feed.push(Object.assign(new Error('below the GC safe point'), { detail: { safePoint: 900n } }));
    await tick();
    expect(sent.at(-1)).toMatchObject({ canceled: true, compactRevision: '900' });
  });

  it('answers a progress request with each caught-up watch’s resolved revision', async () => {
    const { feed, sent, stream } = setup();
    await stream.onRequest({ createRequest: create({ startRevision: '1' }) });
    await stream.onRequest({ progressRequest: {} });
    expect(sent).toHaveLength(1); // not caught up: no progress
    feed.push({ events: [], resolvedTs: 77n });
    await tick();
    await stream.onRequest({ progressRequest: {} });
    expect(sent.at(-1)).toEqual({ header: { revision: '77' }, watchId: '0' });
    stream.close();
  });
});
