// A linearizable read on a follower (Replica.readBarrier over real raft
// cores): raft resends the leader's heartbeats that confirm a read index, but
// not the follower's request to the leader nor the leader's answer. One of
// those lost (a peer connection that was still opening: the migration crash
// matrix met it on a fresh cluster) failed the read at the read timeout. The
// replica now asks again: the read is confirmed after a lost request and
// after a lost answer, and without the retry (planted: a retry interval past
// the timeout) the same loss fails it — the check can fail.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage, MessageType, Raft, StateRole, nodeId, type Entry, type Message, type NodeId } from '../../src/raft/index.js';
import { Replica } from '../../src/node/replica.js';
import { seededRandom } from '../raft/harness.js';

const ELECTION = 10;
const READ_TIMEOUT_MS = 1500;
const RETRY_MS = 300;

interface Node {
  readonly id: NodeId;
  readonly raft: Raft;
  readonly storage: MemoryStorage;
  readonly replica: Replica;
  applied: number;
}

class Cluster {
  readonly nodes: Node[] = [];
  /** Returns true to drop a message. */
  drop: (m: Message) => boolean = () => false;
  dropped: Message[] = [];
  /** Every message sent. */
  sent: Message[] = [];

  constructor(retryMs: number) {
    const cs = { voters: [1, 2, 3].map(nodeId), learners: [] };
    for (const n of [1, 2, 3]) {
      const id = nodeId(n);
      const storage = new MemoryStorage(cs);
      const raft = new Raft({ id, storage, electionTicks: ELECTION, random: seededRandom(n * 31) });
      const node: Node = { id, raft, storage, replica: undefined as unknown as Replica, applied: 0 };
      const sm = { appliedIndex: (): number => node.applied, applyEntries: (): Promise<Map<number, unknown>> => Promise.resolve(new Map<number, unknown>()), reload: (): Promise<void> => Promise.resolve(), afterWrite: (): void => {} };
      (node as { replica: Replica }).replica = new Replica(1, raft, storage as never, sm, READ_TIMEOUT_MS, () => {}, retryMs);
      this.nodes.push(node);
    }
  }

  node(id: NodeId): Node {
    return this.nodes.find((n) => n.id === id)!;
  }

  /** The host's ready loop, run to quiet: queues handed to the cores, Readys persisted, sent, applied. */
  settle(): void {
    for (let round = 0; round < 1000; round++) {
      const out: Message[] = [];
      for (const n of this.nodes) {
        n.replica.flushQueues();
        if (!n.raft.hasReady()) continue;
        const rd = n.raft.ready();
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        out.push(...rd.messages);
        const committed: readonly Entry[] = rd.committedEntries;
        if (committed.length > 0) n.applied = committed[committed.length - 1]!.index;
        n.replica.onApplied(committed, new Map());
        n.replica.onReadStates(rd.readStates);
        n.raft.advance();
        n.replica.wakeApplyWaiters();
      }
      if (out.length === 0) return;
      for (const m of out) {
        this.sent.push(m);
        if (this.drop(m)) {
          this.dropped.push(m);
          continue;
        }
        this.node(m.to).raft.step(m);
      }
    }
    throw new Error('did not settle');
  }

  elect(): { leader: Node; follower: Node } {
    for (let i = 0; i < 200; i++) {
      const leader = this.nodes.find((n) => n.raft.role === StateRole.Leader);
      if (leader && this.nodes.every((n) => n.raft.lead === leader.id) && leader.applied === leader.raft.log.committed) {
        return { leader, follower: this.nodes.find((n) => n !== leader)! };
      }
      for (const n of this.nodes) n.raft.tick();
      this.settle();
    }
    throw new Error('no leader');
  }
}

/** Settles the read's outcome: 'ok', or the rejection's message. */
function outcome(p: Promise<void>): { value: string | undefined } {
  const o: { value: string | undefined } = { value: undefined };
  p.then(
    () => (o.value = 'ok'),
    (e: Error) => (o.value = e.message),
  );
  return o;
}

describe('a follower read whose read-index request or answer is lost', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  for (const lost of [MessageType.ReadIndex, MessageType.ReadIndexResp]) {
    const what = lost === MessageType.ReadIndex ? 'request' : 'answer';
    it(`is confirmed by asking again (lost ${what})`, async () => {
      const c = new Cluster(RETRY_MS);
      const { follower } = c.elect();
      let once = true;
      c.drop = (m) => m.type === lost && once && !(once = false);
      const read = outcome(follower.replica.readBarrier());
      c.settle();
      expect(c.dropped.map((m) => m.type)).toEqual([lost]);
      await vi.advanceTimersByTimeAsync(RETRY_MS - 1);
      c.settle();
      expect(read.value, 'not answered before the retry').toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      c.settle();
      await vi.advanceTimersByTimeAsync(0);
      expect(read.value).toBe('ok');
      // Nothing is left behind: no timers, no waiters.
      expect(follower.replica.idle()).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });

    it(`fails at the read timeout without the retry (planted; lost ${what})`, async () => {
      const c = new Cluster(READ_TIMEOUT_MS * 10);
      const { follower } = c.elect();
      let once = true;
      c.drop = (m) => m.type === lost && once && !(once = false);
      const read = outcome(follower.replica.readBarrier());
      c.settle();
      await vi.advanceTimersByTimeAsync(READ_TIMEOUT_MS);
      c.settle();
      expect(read.value).toMatch(/read index not confirmed in 1500 ms/);
    });
  }

  it('a request that is only slow is confirmed once, with the copy ignored', async () => {
    const c = new Cluster(RETRY_MS);
    const { follower, leader } = c.elect();
    // Hold the leader's confirming heartbeats past the retry: the follower asks again while the leader is still confirming.
    const held: Message[] = [];
    c.drop = (m) => m.type === MessageType.Heartbeat && m.from === leader.id && m.context !== '' && (held.push(m), true);
    const a = outcome(follower.replica.readBarrier());
    c.settle();
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    c.settle();
    const asks = c.sent.filter((m) => m.type === MessageType.ReadIndex);
    expect(asks.length, 'asked twice').toBe(2);
    expect(asks[1]!.context).toBe(asks[0]!.context);
    expect(a.value).toBeUndefined();
    c.drop = () => false;
    for (const m of held) c.node(m.to).raft.step(m);
    c.settle();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.value).toBe('ok');
    expect(c.sent.filter((m) => m.type === MessageType.ReadIndexResp).length, 'answered once').toBe(1);
    expect(follower.replica.idle()).toBe(true);
  });
});
