// A small synchronous in-memory network of Raft cores for unit tests.
//
// Each node has a MemoryStorage and a list of applied entries. `stabilize()`
// runs every node's Ready loop and delivers messages until nothing moves,
// honouring the network's drop rules. Deterministic: the RNG is seeded.

import {
  EntryType,
  MemoryStorage,
  MessageType,
  Raft,
  StateRole,
  decodeConfChange,
  nodeId,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
} from '../../src/raft/index.js';

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export const ids = (...ns: number[]): NodeId[] => ns.map(nodeId);

export interface TestNode {
  readonly id: NodeId;
  raft: Raft;
  storage: MemoryStorage;
  applied: Entry[];
  readStates: ReadState[];
}

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage'>>;

export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages of these (from→to) pairs are dropped. */
  private readonly cut = new Set<string>();
  /** Message types dropped everywhere. */
  readonly dropTypes = new Set<MessageType>();
  /** Every message delivered, for assertions. */
  readonly delivered: Message[] = [];
  /** Every message handed to the network, delivered or dropped, for assertions. */
  readonly sent: Message[] = [];
  /** Messages matching any of these predicates are dropped (see `dropWhen`). */
  private readonly dropRules: ((m: Message) => boolean)[] = [];
  private readonly opts: NodeOptions;
  private seed = 1;

  constructor(voters: number[], opts: NodeOptions = {}, learners: number[] = []) {
    this.opts = opts;
    const cs: ConfState = { voters: ids(...voters), learners: ids(...learners) };
    for (const n of [...voters, ...learners]) this.addNode(n, cs);
  }

  addNode(n: number, cs: ConfState = { voters: [], learners: [] }, extra: NodeOptions = {}): TestNode {
    const id = nodeId(n);
    const storage = new MemoryStorage(cs);
    const raft = new Raft({
      id,
      storage,
      random: seededRandom(this.seed++ * 7919 + n),
      ...this.opts,
      ...extra,
    });
    const node: TestNode = { id, raft, storage, applied: [], readStates: [] };
    this.nodes.set(id, node);
    return node;
  }

  node(n: number): TestNode {
    const node = this.nodes.get(nodeId(n));
    if (!node) throw new Error(`no node ${n}`);
    return node;
  }

  raft(n: number): Raft {
    return this.node(n).raft;
  }

  /** Restarts a node from its durable storage only (a crash). */
  restart(n: number, extra: NodeOptions = {}): TestNode {
    const old = this.node(n);
    const raft = new Raft({ id: old.id, storage: old.storage, random: seededRandom(this.seed++), ...this.opts, ...extra });
    const node: TestNode = { ...old, raft };
    this.nodes.set(old.id, node);
    return node;
  }

  isolate(n: number): void {
    for (const other of this.nodes.keys()) {
      if (other === n) continue;
      this.cut.add(`${n}->${other}`);
      this.cut.add(`${other}->${n}`);
    }
  }

  cutLink(from: number, to: number): void {
    this.cut.add(`${from}->${to}`);
  }

  /** Drops every message matching `pred` until the next `heal()`. */
  dropWhen(pred: (m: Message) => boolean): void {
    this.dropRules.push(pred);
  }

  heal(): void {
    this.cut.clear();
    this.dropTypes.clear();
    this.dropRules.length = 0;
  }

  /**
   * Replaces a node's durable state with a hand-built log and hard state, then
   * restarts it from that storage (for scenarios such as the paper's Figures 7
   * and 8). `terms[k]` is the term of entry k+1; each entry's data is `t<term>i<index>`.
   * Entries already covered by the storage's snapshot (the bootstrap snapshot
   * at index 1, term 1) are skipped and must agree with it.
   */
  setLog(n: number, terms: readonly number[], hardState: { term: number; vote?: number; commit?: number }, extra: NodeOptions = {}): TestNode {
    const node = this.node(n);
    const snap = node.storage.snapshot().meta;
    if (snap.index > 0 && terms[snap.index - 1] !== snap.term) {
      throw new Error(`setLog: entry ${snap.index} must have the snapshot's term ${snap.term}`);
    }
    node.storage.append(makeEntries(1, terms));
    // Entries a bootstrapped storage already covers by its snapshot are skipped.
    const commit = Math.max(hardState.commit ?? 0, node.storage.firstIndex() - 1);
    node.storage.setHardState({ term: hardState.term, vote: nodeId(hardState.vote ?? 0), commit });
    node.applied.length = 0;
    return this.restart(n, extra);
  }

  /** Runs one Ready cycle on a node; returns its outgoing messages. */
  private cycle(node: TestNode): Message[] {
    if (!node.raft.hasReady()) return [];
    const rd = node.raft.ready();
    if (rd.snapshot) node.storage.applySnapshot(rd.snapshot);
    node.storage.append(rd.entries);
    if (rd.hardState) node.storage.setHardState(rd.hardState);
    for (const e of rd.committedEntries) node.applied.push(e);
    for (const rs of rd.readStates) node.readStates.push(rs);
    node.raft.advance();
    return [...rd.messages];
  }

  send(msgs: Message[]): void {
    const queue = [...msgs];
    let guard = 0;
    while (queue.length > 0) {
      if (++guard > 1_000_000) throw new Error('network did not stabilize');
      const m = queue.shift()!;
      this.sent.push(m);
      if (this.cut.has(`${m.from}->${m.to}`) || this.dropTypes.has(m.type)) continue;
      if (this.dropRules.some((drop) => drop(m))) continue;
      const to = this.nodes.get(m.to);
      if (!to) continue;
      this.delivered.push(m);
      to.raft.step(m);
      queue.push(...this.cycle(to));
    }
  }

  /** Drives every node's Ready loop and delivers messages until quiet. */
  stabilize(): void {
    for (let round = 0; round < 1000; round++) {
      const out: Message[] = [];
      for (const node of this.nodes.values()) out.push(...this.cycle(node));
      if (out.length === 0) return;
      this.send(out);
    }
    throw new Error('network did not stabilize in 1000 rounds');
  }

  tick(n: number, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.raft(n).tick();
      this.stabilize();
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.raft.tick();
      this.stabilize();
    }
  }

  campaign(n: number): void {
    this.raft(n).campaign();
    this.stabilize();
  }

  propose(n: number, ...payloads: string[]): number {
    const idx = this.raft(n).propose(payloads.map((p) => new TextEncoder().encode(p)));
    this.stabilize();
    return idx;
  }

  leader(): TestNode | undefined {
    for (const node of this.nodes.values()) if (node.raft.role === StateRole.Leader) return node;
    return undefined;
  }

  /** Application payloads a node applied (skipping no-ops and conf changes). */
  appliedData(n: number): string[] {
    return this.node(n)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.byteLength > 0)
      .map((e) => new TextDecoder().decode(e.data));
  }

  appliedConfChanges(n: number): string[] {
    return this.node(n)
      .applied.filter((e) => e.type === EntryType.ConfChange)
      .map((e) => {
        const cc = decodeConfChange(e.data);
        return `${cc.type}:${cc.nodeId}`;
      });
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Normal entries at consecutive indices from `first`, with the given terms. */
export function makeEntries(first: number, terms: readonly number[]): Entry[] {
  return terms.map((term, k) => ({
    term,
    index: first + k,
    type: EntryType.Normal,
    data: enc(`t${term}i${first + k}`),
  }));
}
