// Pure-core Raft throughput: a 3-node in-memory cluster (no I/O, no network
// stack) driven by src/raft. Proposals arrive in batches of 64 entries. Each
// tick, every node ticks and every message in flight is delivered once (one
// network hop per tick), so commit latency is counted in ticks.
import { MemoryStorage, Raft, StateRole, nodeId, type Message, type NodeId } from '../src/raft/index.js';
import { percentileSorted } from './args.js';

interface Node {
  raft: Raft;
  storage: MemoryStorage;
}

const percentile = (sorted: number[], p: number): number => percentileSorted(sorted, p, 6);

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} expects a positive number`);
  return v;
}

export function runRaftBench(args: string[]): void {
  const batches = arg(args, 'batches', 3000);
  const batchSize = arg(args, 'batch', 64);
  const payloadBytes = arg(args, 'payload', 256);
  const pipeline = arg(args, 'pipeline', 4);
  const ids = [1, 2, 3].map(nodeId);
  const nodes = new Map<NodeId, Node>();
  let seed = 7;
  const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (const id of ids) {
    const storage = new MemoryStorage({ voters: ids, learners: [] });
    nodes.set(id, { storage, raft: new Raft({ id, storage, random, maxInflightMsgs: 256 }) });
  }
  let inflight: Message[] = [];
  let appliedOnLeader = 0;
  const commitRoundOf = new Map<number, number>();
  let round = 0;
  const cycle = (n: Node): void => {
    if (!n.raft.hasReady()) return;
    const rd = n.raft.ready();
    if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) inflight.push(m);
    if (n.raft.role === StateRole.Leader) {
      for (const e of rd.committedEntries) {
        appliedOnLeader = e.index;
        commitRoundOf.set(e.index, round);
      }
    }
    n.raft.advance();
    // Keep memory flat: compact everything applied.
    const applied = n.raft.log.applied;
    if (applied - n.storage.firstIndex() > 4096) {
      n.storage.createSnapshot(applied, n.raft.confStateAt(applied), new Uint8Array(0));
      n.storage.compact(applied - 1024);
    }
  };
  const deliverRound = (): void => {
    round++;
    for (const n of nodes.values()) {
      n.raft.tick();
      cycle(n);
    }
    const now = inflight;
    inflight = [];
    for (const m of now) {
      const to = nodes.get(m.to)!;
      to.raft.step(m);
      cycle(to);
    }
  };
  const leader = nodes.get(ids[0]!)!;
  leader.raft.campaign();
  for (let i = 0; i < 20 && leader.raft.role !== StateRole.Leader; i++) {
    for (const n of nodes.values()) cycle(n);
    deliverRound();
  }
  if (leader.raft.role !== StateRole.Leader) throw new Error('no leader elected');
  for (let i = 0; i < 5; i++) deliverRound();

  const payload = new Uint8Array(payloadBytes).fill(7);
  const batch = Array.from({ length: batchSize }, () => payload);
  const proposedRound: { index: number; round: number }[] = [];
  const latencies: number[] = [];
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let proposed = 0;
  let lastIndex = 0;
  while (proposed < batches || appliedOnLeader < lastIndex) {
    for (let k = 0; k < pipeline && proposed < batches; k++) {
      const first = leader.raft.propose(batch);
      lastIndex = first + batchSize - 1;
      proposedRound.push({ index: lastIndex, round });
      proposed++;
    }
    cycle(leader);
    deliverRound();
    while (proposedRound.length > 0 && proposedRound[0]!.index <= appliedOnLeader) {
      const p = proposedRound.shift()!;
      latencies.push((commitRoundOf.get(p.index) ?? round) - p.round);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const entries = batches * batchSize;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'raft',
      nodes: 3,
      batchSize,
      payloadBytes,
      pipelinedBatches: pipeline,
      entries,
      seconds: +(ns / 1e9).toFixed(3),
      entriesPerSec: Math.round(entries / (ns / 1e9)),
      cpuMicrosPerEntry: +((cpu.user + cpu.system) / entries).toFixed(2),
      p50Ticks: percentile(latencies, 50),
      p99Ticks: percentile(latencies, 99),
      maxTicks: latencies[latencies.length - 1] ?? 0,
      node: process.version,
    }),
  );
}
