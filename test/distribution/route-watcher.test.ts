// RouteWatcher keeps a RouteCache current against fake ferrykv.v1.Routing
// servers on loopback: it follows NOT_LEADER redirects, resumes a broken watch
// from its own version, drops a stream whose deltas leave a gap, falls back to
// ListRoutes polling, freezes while paused and coalesces refresh() calls.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteCatalog, type RouteDescriptor } from '../../src/routing/catalog.js';
import { toRouteMessage } from '../../src/routing/codec.js';
import { RouteCache } from '../../src/routing/route-cache.js';
import { RouteWatcher, type RouteWatcherOptions } from '../../src/routing/route-watcher.js';
import { KvError, toServiceError } from '../../src/api/errors.js';
import type { GroupLeader } from '../../src/proto-gen/ferrykv/v1/GroupLeader.js';
import type { RouteEvent } from '../../src/proto-gen/ferrykv/v1/RouteEvent.js';
import type { RoutingHandlers } from '../../src/proto-gen/ferrykv/v1/Routing.js';
import type { WatchRoutesRequest__Output } from '../../src/proto-gen/ferrykv/v1/WatchRoutesRequest.js';
import { CHANNEL_OPTIONS, protos } from '../../src/api/protos.js';

const INF = new Uint8Array(0);
const key = (s: string): Uint8Array => new TextEncoder().encode(s);
const plain = (routes: readonly RouteDescriptor[]): unknown => routes.map((r) => ({ ...r, start: [...r.start], end: [...r.end] }));

interface Ev {
  readonly version: number;
  readonly reset: boolean;
  readonly routes: readonly RouteDescriptor[];
}

/** The default group's catalog, shared by the fake nodes of one cluster. */
class FakeCatalog {
  /** [∅, m) in group 1, [m, +∞) in group 2, version 1. */
  readonly catalog = RouteCatalog.bootstrap([
    { start: INF, end: key('m'), groupId: 1 },
    { start: key('m'), end: INF, groupId: 2 },
  ]);
  private history: Ev[] = [];
  /** Open watch streams (on any node) that receive each change. */
  readonly subscribers = new Set<(ev: Ev) => void>();

  get version(): number {
    return this.catalog.version;
  }

  /** Splits at `at`; `push: false` loses the event (no open stream hears of it). Returns the new version. */
  split(at: string, { push = true } = {}): number {
    const r = this.catalog.apply({ kind: 'SPLIT', splitKey: key(at) });
    if (!r.ok || r.noop) throw new Error(`split at ${at} failed`);
    const ev: Ev = { version: r.version, reset: false, routes: r.changed };
    this.history.push(ev);
    if (push) for (const f of this.subscribers) f(ev);
    return r.version;
  }

  /** The server no longer holds deltas older than now (a reopened watch gets a reset). */
  forgetHistory(): void {
    this.history = [];
  }

  /** As KvStateMachine.catalogChangesSince: the deltas after `version`, or undefined if they are gone. */
  changesSince(version: number): Ev[] | undefined {
    if (version >= this.catalog.version) return [];
    const first = this.history[0];
    if (!first || first.version > version + 1) return undefined;
    return this.history.filter((e) => e.version > version);
  }
}

interface SentEvent {
  readonly version: number;
  readonly reset: boolean;
  readonly routeIds: readonly number[];
}

interface WatchRecord {
  readonly fromVersion: number;
  /** Failed at once (NOT_LEADER, UNAVAILABLE) instead of serving. */
  readonly rejected: boolean;
  readonly sent: SentEvent[];
  open: boolean;
  cancelledByClient: boolean;
  call: grpc.ServerWritableStream<WatchRoutesRequest__Output, RouteEvent>;
}

type WatchMode = { readonly kind: 'serve' } | { readonly kind: 'notLeader'; readonly address: string } | { readonly kind: 'unavailable' };

/** One node's Routing service, serving `state` like src/server/server.ts does. */
class FakeNode {
  watchMode: WatchMode = { kind: 'serve' };
  /** `down`: both RPCs fail with UNAVAILABLE. */
  down = false;
  listUnavailable = false;
  /** Hold ListRoutes answers until releaseLists(). */
  holdLists = false;
  leaders: GroupLeader[] = [];
  listCalls = 0;
  readonly watches: WatchRecord[] = [];
  private held: (() => void)[] = [];
  address = '';
  private readonly server = new grpc.Server(CHANNEL_OPTIONS);

  private constructor(readonly state: FakeCatalog) {}

  static async start(state: FakeCatalog): Promise<FakeNode> {
    const node = new FakeNode(state);
    node.server.addService(protos().pub.ferrykv.v1.Routing.service, node.handlers());
    const port = await new Promise<number>((resolve, reject) =>
      node.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    node.address = `127.0.0.1:${port}`;
    nodes.push(node);
    return node;
  }

  get heldLists(): number {
    return this.held.length;
  }

  releaseLists(): void {
    const held = this.held;
    this.held = [];
    for (const f of held) f();
  }

  /** Ends every open watch stream cleanly (status OK). */
  endWatches(): void {
    for (const w of this.watches.filter((x) => x.open)) {
      w.open = false;
      w.call.end();
    }
  }

  /** Fails every open watch stream with `err`. */
  failWatches(err: KvError): void {
    for (const w of this.watches.filter((x) => x.open)) {
      w.open = false;
      w.call.emit('error', toServiceError(err));
    }
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private handlers(): RoutingHandlers {
    return {
      ListRoutes: (_call, callback) => {
        this.listCalls++;
        const answer = (): void => {
          if (this.down || this.listUnavailable) {
            callback(toServiceError(new KvError('UNAVAILABLE', 'fake node: ListRoutes is unavailable')));
            return;
          }
          const c = this.state.catalog;
          callback(null, { version: String(c.version), routes: c.list().map(toRouteMessage), leaders: this.leaders, nodeId: 1 });
        };
        if (this.holdLists) this.held.push(answer);
        else answer();
      },
      WatchRoutes: (call) => {
        const from = Number(call.request.fromVersion);
        const mode = this.down ? ({ kind: 'unavailable' } as const) : this.watchMode;
        const w: WatchRecord = { fromVersion: from, rejected: mode.kind !== 'serve', sent: [], open: mode.kind === 'serve', cancelledByClient: false, call };
        this.watches.push(w);
        if (mode.kind === 'notLeader') {
          call.emit('error', toServiceError(new KvError('NOT_LEADER', 'fake node: the route watch is served by the leader', { leaderNodeId: 2, leaderAddress: mode.address })));
          return;
        }
        if (mode.kind === 'unavailable') {
          call.emit('error', toServiceError(new KvError('UNAVAILABLE', 'fake node: WatchRoutes is unavailable')));
          return;
        }
        const send = (ev: Ev): void => {
          if (!w.open || call.cancelled) return;
          w.sent.push({ version: ev.version, reset: ev.reset, routeIds: ev.routes.map((r) => r.routeId) });
          call.write({ version: String(ev.version), reset: ev.reset, routes: ev.routes.map(toRouteMessage) });
        };
        const changes = from > 0 ? this.state.changesSince(from) : undefined;
        if (changes) changes.forEach(send);
        else send({ version: this.state.version, reset: true, routes: this.state.catalog.list() });
        this.state.subscribers.add(send);
        call.on('cancelled', () => {
          w.open = false;
          w.cancelledByClient = true;
          this.state.subscribers.delete(send);
        });
      },
    };
  }
}

const nodes: FakeNode[] = [];
const watchers: RouteWatcher[] = [];

function watcher(opts: Partial<RouteWatcherOptions> & Pick<RouteWatcherOptions, 'endpoints'>): RouteWatcher {
  // Polling is slow unless a test asks for it, so that the stream alone must keep the cache current.
  const w = new RouteWatcher({ cache: new RouteCache(), pollMs: 60_000, timeoutMs: 2000, ...opts });
  watchers.push(w);
  return w;
}

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const inSync = (w: RouteWatcher, state: FakeCatalog): boolean => w.cache.version === state.version;

afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
  for (const n of nodes.splice(0)) n.stop();
});

describe('RouteWatcher', () => {
  it('follows a NOT_LEADER redirect to the leader, which streams a reset and then deltas into the cache', async () => {
    const state = new FakeCatalog();
    state.split('f');
    const leader = await FakeNode.start(state);
    const follower = await FakeNode.start(state);
    follower.watchMode = { kind: 'notLeader', address: leader.address };
    // Only the stream may bring the cache up to date.
    leader.listUnavailable = true;
    follower.listUnavailable = true;
    const w = watcher({ endpoints: () => [follower.address] });
    w.start();

    await waitFor(() => w.watching && inSync(w, state), 'the redirected stream to deliver the catalog');
    expect(follower.watches[0]).toMatchObject({ rejected: true, fromVersion: 0 });
    expect(leader.watches[0]!.sent[0]).toEqual({ version: 2, reset: true, routeIds: [1, 3, 2] });

    state.split('c');
    state.split('t');
    await waitFor(() => inSync(w, state), 'the pushed deltas');
    expect(leader.watches).toHaveLength(1);
    expect(leader.watches[0]!.sent.map((e) => [e.version, e.reset])).toEqual([
      [2, true],
      [3, false],
      [4, false],
    ]);
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));
  });

  it('backs off, instead of redialling at once, when NOT_LEADER hints bounce between nodes', async () => {
    const state = new FakeCatalog();
    const a = await FakeNode.start(state);
    const b = await FakeNode.start(state);
    a.watchMode = { kind: 'notLeader', address: b.address };
    b.watchMode = { kind: 'notLeader', address: a.address };
    a.listUnavailable = true;
    b.listUnavailable = true;
    const errors: string[] = [];
    const w = watcher({ endpoints: () => [a.address], onError: (_m, e) => errors.push(e.code) });
    w.start();

    // Without a bound, the watcher redials the two nodes hundreds of times a second.
    await waitFor(() => errors.includes('NOT_LEADER'), 'the watcher to report the redirect loop');
    expect(a.watches.length + b.watches.length).toBeLessThan(10);

    // The election settles on b: the watcher, retrying at its last hint, syncs from it.
    b.watchMode = { kind: 'serve' };
    await waitFor(() => w.watching && inSync(w, state), 'the stream from the settled leader');
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));
  });

  it.each(['ends', 'fails'] as const)('resumes from its own version after the stream %s, receiving only the missing deltas', async (how) => {
    const state = new FakeCatalog();
    const node = await FakeNode.start(state);
    node.listUnavailable = true;
    const errors: string[] = [];
    const w = watcher({ endpoints: () => [node.address], onError: (_m, e) => errors.push(e.code) });
    w.start();
    state.split('f');
    await waitFor(() => w.watching && inSync(w, state), 'the first stream to sync');
    const before = w.cache.version;

    node.down = true;
    if (how === 'ends') node.endWatches();
    else node.failWatches(new KvError('UNAVAILABLE', 'fake node: going down'));
    state.split('c');
    state.split('t');
    await waitFor(() => !w.watching, 'the watcher to notice the broken stream');
    await waitFor(() => node.watches.some((x) => x.rejected), 'a reconnect attempt while the node is down');
    expect(w.cache.version).toBe(before);

    node.down = false;
    await waitFor(() => w.watching && inSync(w, state), 'the reconnected stream to catch up');
    const resumed = node.watches.filter((x) => !x.rejected);
    expect(resumed).toHaveLength(2);
    expect(resumed[1]!.fromVersion).toBe(before);
    expect(resumed[1]!.sent.map((e) => [e.version, e.reset])).toEqual([
      [before + 1, false],
      [before + 2, false],
    ]);
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));
    expect(errors).toContain('UNAVAILABLE');
  });

  it('drops a stream whose delta leaves a version gap and resyncs from the reset of a reopened stream', async () => {
    const state = new FakeCatalog();
    const node = await FakeNode.start(state);
    node.listUnavailable = true;
    const w = watcher({ endpoints: () => [node.address] });
    w.start();
    await waitFor(() => w.watching && inSync(w, state), 'the first stream to sync');
    const before = w.cache.version;
    const seen: number[] = [];
    w.cache.onChange((v) => seen.push(v));

    state.split('f', { push: false }); // this event is lost...
    state.split('t'); // ...so this one (before + 2) does not follow the cache's version
    state.forgetHistory(); // and the reopened stream must start with a reset

    await waitFor(() => inSync(w, state), 'the resync after the gap');
    expect(node.watches).toHaveLength(2);
    expect(node.watches[0]!.cancelledByClient).toBe(true);
    expect(node.watches[1]!.fromVersion).toBe(before);
    expect(node.watches[1]!.sent).toEqual([{ version: before + 2, reset: true, routeIds: state.catalog.list().map((r) => r.routeId) }]);
    expect(seen).toEqual([before + 2]); // the gapped delta was never applied
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));
  });

  it('polls ListRoutes while WatchRoutes is unavailable on every endpoint, taking routes and leader hints from it', async () => {
    const state = new FakeCatalog();
    const a = await FakeNode.start(state);
    const b = await FakeNode.start(state);
    for (const n of [a, b]) {
      n.watchMode = { kind: 'unavailable' };
      n.leaders = [
        { groupId: 1, nodeId: 1, address: a.address },
        { groupId: 2, nodeId: 2, address: b.address },
      ];
    }
    const w = watcher({ endpoints: () => [a.address, b.address], pollMs: 50 });
    w.start();

    await waitFor(() => inSync(w, state), 'the first poll');
    expect(w.cache.leader(1)).toEqual({ nodeId: 1, address: a.address });
    expect(w.cache.leader(2)).toEqual({ nodeId: 2, address: b.address });

    state.split('f');
    state.split('t');
    for (const n of [a, b]) n.leaders = [{ groupId: 2, nodeId: 1, address: a.address }];
    await waitFor(() => inSync(w, state), 'a poll to pick up the splits');
    await waitFor(() => w.cache.leader(2)?.nodeId === 1, 'a poll to pick up the new leader of group 2');
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));
    expect(w.cache.leader(2)).toEqual({ nodeId: 1, address: a.address });

    // A leader without an address (unknown) clears the hint.
    for (const n of [a, b]) n.leaders = [{ groupId: 1, nodeId: 0, address: '' }];
    await waitFor(() => w.cache.leader(1) === undefined, 'a poll to clear the hint for group 1');

    await waitFor(() => a.watches.length > 0 && b.watches.length > 0, 'watch attempts on both endpoints');
    expect(w.watching).toBe(false);
    expect([...a.watches, ...b.watches].every((x) => x.rejected)).toBe(true);
  });

  it('freezes the cache while paused (no events, refresh() is a no-op) and catches up on resume()', async () => {
    const state = new FakeCatalog();
    const node = await FakeNode.start(state);
    const w = watcher({ endpoints: () => [node.address], pollMs: 20 });
    w.start();
    await waitFor(() => w.watching && inSync(w, state), 'the first stream to sync');

    w.pause();
    await waitFor(() => node.watches[0]!.cancelledByClient, 'pause() to cancel the stream');
    const before = w.cache.version;
    const calls = node.listCalls;
    state.split('f');
    state.split('t');
    await w.refresh();
    // Give the (20 ms) poll timer and any retry a chance to misbehave; none may touch the cache or the node.
    await new Promise((r) => setTimeout(r, 200));
    expect(w.cache.version).toBe(before);
    expect(node.listCalls).toBe(calls);
    expect(node.watches).toHaveLength(1);
    expect(w.watching).toBe(false);

    w.resume();
    await waitFor(() => w.watching && inSync(w, state), 'resume() to catch up');
    expect(node.watches[1]!.fromVersion).toBe(before);
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));
  });

  it('coalesces concurrent refresh() calls into one ListRoutes call', async () => {
    const state = new FakeCatalog();
    state.split('f');
    const node = await FakeNode.start(state);
    node.holdLists = true;
    const w = watcher({ endpoints: () => [node.address] });

    const calls = [w.refresh(), w.refresh(), w.refresh()];
    await waitFor(() => node.heldLists === 1, 'the ListRoutes call to arrive');
    const late = w.refresh();
    expect(new Set([...calls, late]).size).toBe(1);
    node.holdLists = false;
    node.releaseLists();
    await Promise.all([...calls, late]);
    expect(node.listCalls).toBe(1);
    expect(plain(w.cache.routes())).toEqual(plain(state.catalog.list()));

    // Once answered, the next refresh() is a new call.
    state.split('t');
    await w.refresh();
    expect(node.listCalls).toBe(2);
    expect(w.cache.version).toBe(state.version);
  });

  it('refresh() rejects with a KvError when no endpoint answers, and tries the next endpoint when one does not', async () => {
    const state = new FakeCatalog();
    const gone = await FakeNode.start(state);
    const deadAddress = gone.address;
    gone.stop();
    const failing = await FakeNode.start(state);
    failing.listUnavailable = true;

    const none = watcher({ endpoints: () => [] });
    await expect(none.refresh()).rejects.toMatchObject({ name: 'KvError', code: 'UNAVAILABLE' });

    const w = watcher({ endpoints: () => [deadAddress, failing.address] });
    const err = await w.refresh().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KvError);
    expect((err as KvError).code).toBe('UNAVAILABLE');
    expect(failing.listCalls).toBe(1);
    expect(w.cache.version).toBe(0);

    failing.listUnavailable = false;
    await w.refresh();
    expect(w.cache.version).toBe(state.version);
  });
});
