import { describe, expect, it } from 'vitest';
import { MessageType, StateRole, message, nodeId } from '../../src/raft/index.js';
import { Network, enc, makeEntries, type NodeOptions } from './harness.js';
import { clusterWithLeader, drain, logTerms, msgsOf, soloRaft, tickUntilLeader } from './helpers.js';

const dec = (d: Uint8Array): string => new TextDecoder().decode(d);

/** The payload a node applied at log index `index`, if it applied that index. */
function appliedAt(net: Network, n: number, index: number): string | undefined {
  const e = net.node(n).applied.find((x) => x.index === index);
  return e ? dec(e.data) : undefined;
}

describe('Log replication', () => {
  it('a leader commits an entry once a majority stores it, and followers learn the commit', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(3);
    const idx = net.propose(1, 'a');
    expect(net.raft(1).log.committed).toBe(idx);
    expect(net.raft(2).log.committed).toBe(idx);
    expect(net.appliedData(1)).toEqual(['a']);
    expect(net.appliedData(2)).toEqual(['a']);
    expect(net.appliedData(3)).toEqual([]);
  });

  it('a leader that reaches only a minority commits nothing', () => {
    const net = clusterWithLeader([1, 2, 3, 4, 5]);
    const committed = net.raft(1).log.committed;
    for (const n of [3, 4, 5]) net.isolate(n);
    const idx = net.propose(1, 'a');
    expect(net.raft(2).log.lastIndex()).toBe(idx); // stored on two of five
    expect(net.raft(1).log.committed).toBe(committed);
    expect(net.appliedData(1)).toEqual([]);
  });

  it('a follower that missed entries catches up and applies them in order', () => {
    const net = clusterWithLeader([1, 2, 3]);
    net.isolate(3);
    net.propose(1, 'a');
    net.propose(1, 'b', 'c');
    net.heal();
    net.propose(1, 'd');
    net.tickAll(2);
    for (const n of [1, 2, 3]) expect(net.appliedData(n)).toEqual(['a', 'b', 'c', 'd']);
    // Each index applied exactly once, in order.
    const indices = net.node(3).applied.map((e) => e.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(new Set(indices).size).toBe(indices.length);
  });

  it('a follower rejects an append whose previous entry does not match its log', () => {
    const { raft, storage } = soloRaft(2, [1, 2, 3], {}, [], makeEntries(1, [1, 2, 2]), { term: 2 });
    // The leader claims entry 3 has term 3; ours has term 2.
    raft.step(message({ type: MessageType.App, from: nodeId(1), to: nodeId(2), term: 3, index: 3, logTerm: 3, entries: makeEntries(4, [3]) }));
    const resp = msgsOf(drain(raft, storage), MessageType.AppResp, 1);
    expect(resp).toHaveLength(1);
    expect(resp[0]).toMatchObject({ reject: true, index: 3 });
    // The hint points at the last entry whose term is ≤ the leader's term there.
    expect(resp[0]).toMatchObject({ rejectHint: 3, logTerm: 2 });
    expect(raft.log.lastIndex()).toBe(3);
  });

  it('a follower never lets an append move its commit index past what it holds', () => {
    const { raft, storage } = soloRaft(2, [1, 2, 3], {}, [], makeEntries(1, [1, 1]), { term: 1 });
    raft.step(message({ type: MessageType.App, from: nodeId(1), to: nodeId(2), term: 1, index: 2, logTerm: 1, entries: makeEntries(3, [1]), commit: 10 }));
    drain(raft, storage);
    expect(raft.log.committed).toBe(3);
  });
});

describe('Log repair', () => {
  // Raft paper, Figure 7: the leader of term 8 and followers (a)–(f).
  const LEADER = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  it.each([
    { name: '(a) missing one entry', follower: [1, 1, 1, 4, 4, 5, 5, 6, 6] },
    { name: '(b) missing many entries', follower: [1, 1, 1, 4] },
    { name: '(c) one extra uncommitted entry', follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6] },
    { name: '(d) extra entries of a later term', follower: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7] },
    { name: '(e) missing entries and extra entries of term 4', follower: [1, 1, 1, 4, 4, 4, 4] },
    { name: '(f) a divergent tail from terms 2 and 3', follower: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3] },
    { name: 'identical', follower: LEADER },
    { name: 'only the first entry', follower: [1] },
  ])('the leader makes a follower log identical to its own: Figure 7 $name', ({ follower }) => {
    const net = new Network([1, 2, 3]);
    net.setLog(1, LEADER, { term: 7 });
    net.setLog(3, LEADER, { term: 7 });
    net.setLog(2, follower, { term: 7 });
    net.campaign(1);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(8);

    const expected = [...LEADER, 8].slice(net.raft(1).log.firstIndex() - 1);
    for (const n of [1, 2, 3]) {
      expect(logTerms(net.raft(n)), `log of node ${n}`).toEqual(expected);
      expect(net.raft(n).log.committed).toBe(LEADER.length + 1);
    }
    // Everything the follower applied is the leader's (conflicting entries were never applied).
    expect(net.appliedData(2)).toEqual(net.appliedData(1));
  });

  it('followers with conflicting uncommitted entries from a deposed leader are overwritten', () => {
    const net = clusterWithLeader([1, 2, 3, 4, 5]);
    // Partition {1, 2} | {3, 4, 5}.
    for (const a of [1, 2]) {
      for (const b of [3, 4, 5]) {
        net.cutLink(a, b);
        net.cutLink(b, a);
      }
    }
    const xIndex = net.propose(1, 'x1', 'x2'); // stored on 1 and 2 only
    expect(net.raft(2).log.lastIndex()).toBe(xIndex + 1);
    const oldTerm = net.raft(1).term;

    const leader = tickUntilLeader(net, [3, 4, 5]);
    expect(net.raft(leader).term).toBeGreaterThan(oldTerm);
    const yIndex = net.propose(leader, 'y1');
    expect(yIndex).toBeLessThanOrEqual(xIndex + 1); // same slots, different entries
    expect(net.raft(leader).log.committed).toBe(yIndex);

    net.heal();
    net.tickAll(5);
    expect(net.raft(1).role).toBe(StateRole.Follower);
    const want = logTerms(net.raft(leader));
    for (const n of [1, 2, 3, 4, 5]) {
      expect(logTerms(net.raft(n)), `log of node ${n}`).toEqual(want);
      expect(net.appliedData(n)).toEqual(['y1']);
    }
  });
});

describe('Commitment: only entries of the current term are committed by counting replicas (Figure 8)', () => {
  // Paper, Figure 8 (c): S1 is leader of term 4 with [1, 2, 4]; the term-2
  // entry at index 2 reaches S3 too (a majority: S1, S2, S3 … here S1, S3, S4
  // as the leader knows them), the term-4 entry does not; S5 holds [1, 3].
  const TERM2_INDEX = 2;

  function figure8(unsafe: boolean): Network {
    const opts: NodeOptions = {
      checkQuorum: false, // let S5 campaign later without waiting out leases
      maxSizePerMsg: 1, // one entry per append, so index 2 can travel without index 3
      ...(unsafe ? { unsafe: { commitPreviousTermEntries: true } } : {}),
    };
    const net = new Network([1, 2, 3, 4, 5], opts);
    net.setLog(1, [1, 2], { term: 3 });
    net.setLog(2, [1, 2], { term: 3 });
    net.setLog(3, [1], { term: 3 });
    net.setLog(4, [1], { term: 3 });
    net.setLog(5, [1, 3], { term: 3 });
    net.isolate(5); // S5 is down
    // Appends that would deliver the term-4 entry are lost.
    net.dropWhen((m) => m.type === MessageType.App && m.entries.some((e) => e.term === 4) && net.raft(m.to).log.lastIndex() >= TERM2_INDEX);
    net.campaign(1);
    expect(net.raft(1).role).toBe(StateRole.Leader);
    expect(net.raft(1).term).toBe(4);
    expect(logTerms(net.raft(1))).toEqual([2, 4]);
    for (const n of [2, 3, 4]) expect(net.raft(n).log.term(TERM2_INDEX), `node ${n}`).toBe(2);
    // The leader knows the term-2 entry is on S1, S3 and S4: three of five.
    const progress = net.raft(1).status().progress;
    expect(progress.get(nodeId(3))!.match).toBe(TERM2_INDEX);
    expect(progress.get(nodeId(4))!.match).toBe(TERM2_INDEX);
    net.tick(1, 3); // heartbeats do not change that
    return net;
  }

  /** Figure 8 (d): S1 crashes; S5 is elected with votes from S2, S3, S4 and replicates its term-3 entry. */
  function electS5(net: Network): void {
    net.heal();
    net.isolate(1);
    net.campaign(5); // refused in term 4 (the others voted for S1) …
    net.campaign(5); // … elected in term 5: its last term 3 beats their 2
    expect(net.raft(5).role).toBe(StateRole.Leader);
    expect(net.raft(5).term).toBe(5);
  }

  it('a leader does not commit an entry of a previous term even when a majority stores it', () => {
    const net = figure8(false);
    expect(net.raft(1).log.committed).toBe(TERM2_INDEX - 1);
    expect(appliedAt(net, 1, TERM2_INDEX)).toBeUndefined();
  });

  it('with the commitPreviousTermEntries failpoint the leader commits it by counting replicas', () => {
    const net = figure8(true);
    expect(net.raft(1).log.committed).toBe(TERM2_INDEX);
    expect(appliedAt(net, 1, TERM2_INDEX)).toBe('t2i2');
  });

  it.each([
    { unsafe: false, s1Applied: undefined, distinct: 1 },
    { unsafe: true, s1Applied: 't2i2', distinct: 2 },
  ])(
    'a later leader may overwrite the previous-term entry, which is only safe because it was not committed (failpoint=$unsafe)',
    ({ unsafe, s1Applied, distinct }) => {
      const net = figure8(unsafe);
      electS5(net);
      // S5's term-3 entry replaces the term-2 entry and commits.
      for (const n of [2, 5]) expect(appliedAt(net, n, TERM2_INDEX), `node ${n}`).toBe('t3i2');
      expect(appliedAt(net, 1, TERM2_INDEX)).toBe(s1Applied);
      // State machine safety: every node that applied index 2 applied the same entry.
      // With the failpoint, two different entries were applied there.
      const applied = new Set([1, 2, 3, 4, 5].map((n) => appliedAt(net, n, TERM2_INDEX)).filter((d) => d !== undefined));
      expect(applied.size).toBe(distinct);
      if (!unsafe) {
        // S1 rejoins, learns it was deposed, and its uncommitted entries are replaced.
        net.heal();
        net.tickAll(3);
        expect(net.raft(1).role).toBe(StateRole.Follower);
        expect(logTerms(net.raft(1))).toEqual(logTerms(net.raft(5)));
        for (const n of [1, 2, 3, 4, 5]) expect(appliedAt(net, n, TERM2_INDEX), `node ${n}`).toBe('t3i2');
      }
    },
  );

  it('once an entry of the current term is stored on a majority it commits, and every entry before it (Figure 8 (e))', () => {
    const net = figure8(false);
    net.heal();
    net.isolate(5);
    net.tick(1, 1); // the term-4 entry now reaches the followers
    expect(net.raft(1).log.committed).toBe(TERM2_INDEX + 1);
    expect(appliedAt(net, 1, TERM2_INDEX)).toBe('t2i2');
    // S5 can no longer win: its last term (3) is older than the majority's (4).
    net.heal();
    net.isolate(1);
    net.campaign(5);
    net.campaign(5);
    expect(net.raft(5).role).not.toBe(StateRole.Leader);
    for (const n of [2, 3, 4]) expect(net.raft(n).log.term(TERM2_INDEX)).toBe(2);
  });
});

describe('Proposal batching', () => {
  it('maxSizePerMsg splits a large batch across several append messages', () => {
    const maxSizePerMsg = 300;
    const net = clusterWithLeader([1, 2, 3], { maxSizePerMsg });
    const before = net.delivered.length;
    const payloads = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(100, '.'));
    net.propose(1, ...payloads);
    const apps = msgsOf(net.delivered.slice(before), MessageType.App, 2).filter((m) => m.entries.length > 0);
    // 100-byte payloads cost 124 bytes each: two fit in 300 bytes, three do not.
    expect(apps.length).toBe(5);
    for (const m of apps) {
      const bytes = m.entries.reduce((n, e) => n + e.data.byteLength + 24, 0);
      expect(bytes).toBeLessThanOrEqual(maxSizePerMsg);
    }
    expect(apps.flatMap((m) => m.entries.map((e) => dec(e.data)))).toEqual(payloads);
    for (const n of [1, 2, 3]) expect(net.appliedData(n)).toEqual(payloads);
  });

  it('an entry larger than maxSizePerMsg still travels, alone', () => {
    const net = clusterWithLeader([1, 2, 3], { maxSizePerMsg: 50 });
    const before = net.delivered.length;
    net.propose(1, 'x'.repeat(200), 'y'.repeat(200));
    const apps = msgsOf(net.delivered.slice(before), MessageType.App, 2).filter((m) => m.entries.length > 0);
    expect(apps.map((m) => m.entries.length)).toEqual([1, 1]);
    expect(net.appliedData(2)).toEqual(['x'.repeat(200), 'y'.repeat(200)]);
  });

  it('a batch is appended as consecutive entries of the current term, starting at the returned index', () => {
    const net = clusterWithLeader([1, 2, 3]);
    const r = net.raft(1);
    const first = r.propose([enc('a'), enc('b'), enc('c')]);
    expect(first).toBe(r.log.lastIndex() - 2);
    for (let k = 0; k < 3; k++) expect(r.log.term(first + k)).toBe(r.term);
    net.stabilize();
    expect(net.appliedData(3)).toEqual(['a', 'b', 'c']);
  });
});
