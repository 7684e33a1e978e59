import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EntryType, MessageType, Raft, RaftError, StateRole, message, nodeId, type Entry, type Message, type NodeId } from '../../src/raft/index.js';
import { NodeDb } from '../../src/storage/db.js';
import { RaftLogStore } from '../../src/storage/raft-log-store.js';
import { seededRandom } from '../raft/harness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ferrykv-raftlog-'));
  dirs.push(d);
  return d;
}

const ent = (index: number, term: number, data = `e${index}`): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new TextEncoder().encode(data),
});

describe('Raft log store', () => {
  it('bounds the in-memory tail by bytes as well as entries; older entries are still read from storage', async () => {
    const dir = tempDir();
    const db = await NodeDb.open(dir);
    const store = await RaftLogStore.open(db, { tailEntries: 100, tailBytes: 10 * 1024 });
    const b = db.batch();
    store.append(b, 1, Array.from({ length: 50 }, (_, i) => ent(i + 1, 1, 'x'.repeat(1024)))); // 50 KiB of entries
    await b.write({ sync: true });
    const g = store.group(1);
    const held = g.tail.reduce((n, e) => n + e.data.byteLength, 0);
    expect(held).toBeLessThanOrEqual(10 * 1024);
    expect(g.tail[g.tail.length - 1]!.index).toBe(50);
    expect(g.tail.length).toBeLessThan(50);
    // The entries that left the tail are read from LevelDB.
    expect(g.entries(1, 51, Number.MAX_SAFE_INTEGER).map((e) => e.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // One entry larger than the bound is still kept (the newest always is).
    const b2 = db.batch();
    store.append(b2, 1, [ent(51, 1, 'y'.repeat(20 * 1024))]);
    await b2.write({ sync: true });
    expect(g.tail.map((e) => e.index)).toEqual([51]);
    await db.close();
  });

  it('appends one at a time in place, cutting a full tail back to its bound an eighth past it; its byte count stays exact', async () => {
    const dir = tempDir();
    const db = await NodeDb.open(dir);
    const store = await RaftLogStore.open(db, { tailEntries: 16, tailBytes: 1 << 20 });
    const g = store.group(1);
    const lengths: number[] = [];
    for (let i = 1; i <= 60; i++) {
      const b = db.batch();
      store.append(b, 1, [ent(i, 1, 'z'.repeat(i))]);
      await b.write({ sync: true });
      lengths.push(g.tail.length);
      expect(g.tailSize).toBe(g.tail.reduce((n, e) => n + e.data.byteLength, 0));
      expect(g.tail[g.tail.length - 1]!.index).toBe(i);
    }
    expect(Math.max(...lengths)).toBe(18); // 16 + 16/8
    expect(lengths.slice(16, 22)).toEqual([17, 18, 16, 17, 18, 16]);
    // A conflicting suffix replaces the tail's end; the count follows.
    const b = db.batch();
    store.append(b, 1, [ent(58, 2, 'w')]);
    await b.write({ sync: true });
    expect(g.tail[g.tail.length - 1]).toMatchObject({ index: 58, term: 2 });
    expect(g.tailSize).toBe(g.tail.reduce((n, e) => n + e.data.byteLength, 0));
    expect(g.entries(1, 59, Number.MAX_SAFE_INTEGER).map((e) => e.index)).toEqual(Array.from({ length: 58 }, (_, i) => i + 1));
    await db.close();
  });

  it('keeps payloads that own their bytes, not views pinning a larger buffer', async () => {
    const db = await NodeDb.open(tempDir());
    const store = await RaftLogStore.open(db);
    // Two payloads cut from one 8 KiB buffer, as a decoded message or Buffer's pool hands them out.
    const slab = new Uint8Array(8192).fill(7);
    const b = db.batch();
    store.append(b, 1, [
      { index: 1, term: 1, type: EntryType.Normal, data: slab.subarray(100, 120) },
      { index: 2, term: 1, type: EntryType.Normal, data: slab.subarray(200, 201) },
    ]);
    await b.write({ sync: true });
    const g = store.group(1);
    for (const e of g.tail) expect(e.data.buffer.byteLength).toBe(e.data.byteLength);
    expect([...g.tail[0]!.data]).toEqual(new Array(20).fill(7));
    // Reloaded from disk, the same holds.
    const again = await RaftLogStore.open(db);
    for (const e of again.group(1).tail) expect(e.data.buffer.byteLength).toBe(e.data.byteLength);
    await db.close();
  });

  it('shrinks an idle group to its newest entry in memory; the older ones are read from storage', async () => {
    const db = await NodeDb.open(tempDir());
    const store = await RaftLogStore.open(db);
    const b = db.batch();
    store.append(b, 1, [ent(1, 1), ent(2, 1), ent(3, 2)]);
    await b.write({ sync: true });
    const g = store.group(1);
    expect(g.tail.length).toBe(3);
    g.shrink();
    expect(g.tail.map((e) => e.index)).toEqual([3]);
    expect(g.entries(1, 4, Number.MAX_SAFE_INTEGER).map((e) => [e.index, e.term, new TextDecoder().decode(e.data)])).toEqual([
      [1, 1, 'e1'],
      [2, 1, 'e2'],
      [3, 2, 'e3'],
    ]);
    expect(g.term(2)).toBe(1);
    // Appends after a shrink extend the tail as before.
    const b2 = db.batch();
    store.append(b2, 1, [ent(4, 2)]);
    await b2.write({ sync: true });
    expect(g.tail.map((e) => e.index)).toEqual([3, 4]);
    await db.close();
  });

  it('commits entries and hard states of many groups in one synced batch and reloads them', async () => {
    const dir = tempDir();
    let db = await NodeDb.open(dir);
    let store = await RaftLogStore.open(db);
    const b = db.batch();
    for (const g of [1, 2, 3]) {
      store.append(b, g, [ent(1, 1), ent(2, 1), ent(3, 2)]);
      store.setHardState(b, g, { term: 2, vote: nodeId(g), commit: 2 });
    }
    // Nothing is visible before the batch is durable.
    expect(store.group(1).lastIndex()).toBe(0);
    await b.write({ sync: true });
    expect(store.group(2).lastIndex()).toBe(3);
    await db.close();

    db = await NodeDb.open(dir);
    store = await RaftLogStore.open(db);
    expect(store.groupIds()).toEqual([1, 2, 3]);
    for (const g of [1, 2, 3]) {
      const s = store.group(g);
      expect(s.initialState().hardState).toEqual({ term: 2, vote: g, commit: 2 });
      expect(s.firstIndex()).toBe(1);
      expect(s.lastIndex()).toBe(3);
      expect(s.term(3)).toBe(2);
      expect(s.entries(1, 4, 1 << 20).map((e) => new TextDecoder().decode(e.data))).toEqual(['e1', 'e2', 'e3']);
    }
    await db.close();
  });

  it('truncates a conflicting suffix, compacts, and reads old entries beyond the in-memory tail', async () => {
    const dir = tempDir();
    let db = await NodeDb.open(dir);
    let store = await RaftLogStore.open(db, { tailEntries: 4 });
    let b = db.batch();
    store.append(b, 5, Array.from({ length: 10 }, (_, i) => ent(i + 1, 1)));
    await b.write({ sync: true });
    b = db.batch();
    store.append(b, 5, [ent(8, 2, 'x8')]);
    await b.write({ sync: true });
    const s = store.group(5);
    expect(s.lastIndex()).toBe(8);
    expect(s.term(8)).toBe(2);
    expect(s.entries(2, 4, 1 << 20).map((e) => e.index)).toEqual([2, 3]); // from LevelDB, not the tail
    b = db.batch();
    store.compact(b, 5, 5);
    await b.write({ sync: true });
    expect(s.firstIndex()).toBe(6);
    expect(s.term(5)).toBe(1);
    expect(() => s.entries(5, 7, 1 << 20)).toThrowError(RaftError);
    expect(() => s.term(4)).toThrowError(/COMPACTED/);
    expect(() => s.term(9)).toThrowError(/UNAVAILABLE/);
    await db.close();
    db = await NodeDb.open(dir);
    store = await RaftLogStore.open(db, { tailEntries: 4 });
    const r = store.group(5);
    expect([r.firstIndex(), r.lastIndex(), r.term(8)]).toEqual([6, 8, 2]);
    expect(new TextDecoder().decode(r.entries(8, 9, 100)[0]!.data)).toBe('x8');
    await db.close();
  });

  it('installs a snapshot by replacing the whole log', async () => {
    const db = await NodeDb.open(tempDir());
    const store = await RaftLogStore.open(db);
    let b = db.batch();
    store.append(b, 1, [ent(1, 1), ent(2, 1)]);
    await b.write({ sync: true });
    b = db.batch();
    const confState = { voters: [nodeId(1), nodeId(2)], learners: [nodeId(9)] };
    store.applySnapshot(b, 1, { index: 50, term: 4, confState });
    await b.write({ sync: true });
    const s = store.group(1);
    expect([s.firstIndex(), s.lastIndex(), s.term(50)]).toEqual([51, 50, 4]);
    expect(s.snapshot().meta).toEqual({ index: 50, term: 4, confState });
    expect(s.initialState().confState).toEqual(confState);
    await db.close();
  });

  it('carries a 3-node Raft cluster through elections, commits and a full restart', async () => {
    const ids = [1, 2, 3].map(nodeId);
    const dirsByNode = new Map(ids.map((id) => [id, tempDir()]));
    type N = { raft: Raft; db: NodeDb; store: RaftLogStore; applied: string[] };
    const nodes = new Map<NodeId, N>();
    const boot = async (id: NodeId, fresh: boolean): Promise<void> => {
      const db = await NodeDb.open(dirsByNode.get(id)!);
      const store = await RaftLogStore.open(db);
      if (fresh) {
        const b = db.batch();
        store.bootstrap(b, 1, { voters: ids, learners: [] });
        await b.write({ sync: true });
      }
      const raft = new Raft({ id, storage: store.group(1), random: seededRandom(id) });
      nodes.set(id, { raft, db, store, applied: [] });
    };
    for (const id of ids) await boot(id, true);

    const settle = async (): Promise<void> => {
      for (let round = 0; round < 50; round++) {
        const out: Message[] = [];
        for (const n of nodes.values()) {
          if (!n.raft.hasReady()) continue;
          const rd = n.raft.ready();
          const b = n.db.batch();
          n.store.append(b, 1, rd.entries);
          if (rd.hardState) n.store.setHardState(b, 1, rd.hardState);
          await b.write({ sync: true });
          out.push(...rd.messages);
          for (const e of rd.committedEntries) if (e.data.byteLength > 0) n.applied.push(new TextDecoder().decode(e.data));
          n.raft.advance();
        }
        if (out.length === 0) return;
        for (const m of out) nodes.get(m.to)?.raft.step(m);
      }
    };
    nodes.get(ids[0]!)!.raft.campaign();
    await settle();
    expect(nodes.get(ids[0]!)!.raft.role).toBe(StateRole.Leader);
    nodes.get(ids[0]!)!.raft.propose(['a', 'b', 'c'].map((s) => new TextEncoder().encode(s)));
    await settle();
    for (const n of nodes.values()) n.raft.tick();
    await settle();
    for (const n of nodes.values()) expect(n.applied).toEqual(['a', 'b', 'c']);

    // Restart every node from disk: term, log and commit come back.
    const before = nodes.get(ids[1]!)!.raft.status();
    for (const id of ids) await nodes.get(id)!.db.close();
    for (const id of ids) await boot(id, false);
    const after = nodes.get(ids[1]!)!.raft.status();
    expect([after.term, after.commit, after.lastIndex]).toEqual([before.term, before.commit, before.lastIndex]);
    nodes.get(ids[2]!)!.raft.campaign();
    await settle();
    const leader = nodes.get(ids[2]!)!.raft;
    expect(leader.role).toBe(StateRole.Leader);
    expect(leader.term).toBeGreaterThan(before.term);
    leader.propose([new TextEncoder().encode('d')]);
    await settle();
    // A local Beat: on the leader it broadcasts heartbeats; followers ignore it.
    for (const n of nodes.values()) n.raft.step(message({ type: MessageType.Beat, to: n.raft.id, from: n.raft.id }));
    for (const n of nodes.values()) n.raft.tick();
    await settle();
    // After restart the state machine replays from the snapshot (index 1): a..d.
    for (const n of nodes.values()) expect(n.applied).toEqual(['a', 'b', 'c', 'd']);
    for (const n of nodes.values()) await n.db.close();
  });
});
