// The Jepsen-style harness: starts a real ferrykv cluster on 127.0.0.1, runs
// concurrent clients (register and set workloads on disjoint keys), applies a
// nemesis schedule (kill -9 + restart, SIGSTOP/SIGCONT, partitions through the
// transport fault hook, leader transfers), heals, lets the cluster recover,
// performs final reads, records every invoke / ok / fail / info, and checks the
// history. Everything random comes from --seed.
//
// Cluster processes are started by the integration harness (one process per
// node, PIDs known) rather than through cmd/ferry-cluster: the nemesis must kill,
// pause and restart individual nodes. Each client process talks to the cluster
// through the SDK, preferring a different node, with short deadlines.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryClient } from '../src/client/index.js';
import { fromRawRoute } from '../src/routing/codec.js';
import { TestCluster, sleep } from '../testkit/cluster.js';
import { rng } from '../testkit/rng.js';
import type { HistoryEvent, RegisterOp, SetOp } from './checker/history.js';
import { checkRegister, type RegisterResult } from './checker/linearizability.js';
import { checkSet, type SetResult } from './checker/set.js';
import { latencyStats } from './checker/stats.js';
import { checkAppend, type AppendResult } from './checker/append.js';
import { checkBank, type BankResult } from './checker/bank.js';
import type { BankOp, TxnOp } from './checker/history.js';
import { checkWatch, type WatchResult } from './checker/watch.js';
import { Watcher, WatchWrites, inRangeOf, type WatchRange } from './watch-workload.js';
import { OP_TIMEOUT_MS, etcdRegister, indeterminate, nativeRegister, type RegisterClient } from './register-clients.js';
import { AppendKeys, BANK_ACCOUNTS, BANK_START, TxnRecorder, appendWorker, bankWorker, finalBankRead, seedBank } from './txn-workloads.js';

export type Workload = 'register' | 'set' | 'bank' | 'append' | 'watch';
export type NemesisKind = 'kill' | 'pause' | 'partition' | 'transfer' | 'split' | 'migrate' | 'wipe';
/** Exit status of a node that refuses its data dir (src/server/store-identity.ts). */
const EXIT_STORE_REFUSED = 78;

export interface RunOptions {
  readonly workloads: readonly Workload[];
  readonly nemeses: readonly NemesisKind[];
  /** Seconds of faults. */
  readonly timeSec: number;
  readonly seed: number;
  readonly nodes: 3 | 5;
  /** Groups (default 3). Beyond 3 the register and set keys spread over every group (WorkloadKeys); transactions keep their 3-group keys. */
  readonly groups?: number;
  /** Register client processes (5 per key at a time). */
  readonly registerProcesses: number;
  /** How the register workload reaches the cluster: the SDK (default) or the etcd3 client through the nodes' etcd endpoints (docs/etcd-compat.md). */
  readonly registerApi?: 'native' | 'etcd';
  readonly setProcesses: number;
  /** Bank transfer/read processes (default 4). */
  readonly bankProcesses?: number;
  /** List-append processes, half at snapshot isolation, half serializable (default 6). */
  readonly appendProcesses?: number;
  /** Seconds between nemesis actions. */
  readonly nemesisIntervalSec: number;
  /** Test-only failpoint: reads without ReadIndex (the run must then fail). */
  readonly unsafeStaleReads: boolean;
  readonly storeDir: string;
  readonly checkerTimeoutMs: number;
  readonly log: (line: string) => void;
}

export interface RunReport {
  readonly valid: boolean | 'unknown';
  readonly seed: number;
  readonly dir: string;
  readonly register?: RegisterResult;
  readonly set?: SetResult;
  readonly bank?: BankResult;
  readonly append?: { readonly snapshot: AppendResult; readonly serializable: AppendResult };
  readonly watch?: WatchResult;
  readonly nemesis: string[];
  /** What the nemesis saw go wrong outside the histories (a wiped node that did not refuse its data dir). */
  readonly violations: string[];
  readonly stats: unknown;
  /** Migration jobs the nemesis started, as they ended (a FAILED job fails the run: VERIFY must be clean). */
  readonly migrations?: { jobId: string; phase: string; fenceWindowsMs: string[]; lastError: string }[];
}

class Recorder {
  readonly events: HistoryEvent[] = [];
  private readonly t0 = performance.now();

  record(type: HistoryEvent['type'], process: number, op: RegisterOp | SetOp): void {
    this.events.push({ index: this.events.length, type, process, time: Math.round((performance.now() - this.t0) * 1000) / 1000, op });
  }
}

const PARTITION_SHAPES = ['isolate-leader', 'halves', 'bridge', 'ring'] as const;
type PartitionShape = (typeof PARTITION_SHAPES)[number];
/** With the default 3 groups, register ("reg/…") and set ("set/…") keys both route to group 3 (["p", +∞)). */
const WORKLOAD_GROUP = 3;

/**
 * Where the register and set keys live. With the default 3 groups, all in
 * group 3 (["p", +∞)), as the checks were first written; with more groups,
 * spread over every group's initial range: key i goes under the start key of
 * route i mod groups, followed by "/" (which sorts before every split key's
 * letters, so the key stays in that route).
 */
export class WorkloadKeys {
  constructor(
    private readonly starts: readonly string[],
    /** Where the register keys are stored, as a latin1 string ('' natively; the etcd key space's prefix when they go through the etcd API). */
    private readonly registerStore = '',
  ) {}

  /** The store-key ranges the workload's keys live in (latin1 strings), for the split and migrate nemeses. */
  ranges(): [Buffer, Buffer][] {
    const l = (x: string): Buffer => Buffer.from(x, 'latin1');
    if (this.spread) return [[l(''), l('')]];
    return this.registerStore ? [[l(`${this.registerStore}reg/`), l(`${this.registerStore}reg0`)], [l('set/'), l('set0')]] : [[l('reg/'), l('set0')]];
  }

  get spread(): boolean {
    return this.starts.length > 3;
  }

  private at(i: number): string {
    return this.spread ? `${this.starts[i % this.starts.length]!}/` : '';
  }

  register(slot: number, gen: number): string {
    return `${this.at(slot)}reg/${slot}/${gen}`;
  }

  set(value: number): string {
    return `${this.at(value)}set/${String(value).padStart(9, '0')}`;
  }

  /** The range a set read scans: the set's keys only, or (spread) the whole key space. */
  setScan(): { start: string; end: string } {
    return this.spread ? { start: '', end: '' } : { start: 'set/', end: 'set0' };
  }

  /** The set value a scanned key holds (undefined: not a set key). */
  setValue(key: string): number | undefined {
    const m = /(?:^|\/)set\/(\d{9})$/.exec(key);
    return m ? Number(m[1]) : undefined;
  }

  /** The range a watcher of the register and set keys watches: theirs only, or (spread) the whole key space. */
  watchRange(): WatchRange {
    return this.spread ? { start: '', end: '' } : { start: 'reg/', end: 'set0' };
  }

  /** Prefixes of split keys among the workload's keys (a split key is one of these and a number). */
  splitPrefixes(n: number): string[] {
    return [`${this.registerStore}${this.at(n)}reg/`, `${this.at(n)}set/`];
  }
}
const KEY_ROTATE_OPS = 150;
const PROCS_PER_KEY = 5;

async function registerWorker(p: number, db: RegisterClient, rec: Recorder, rand: () => number, until: () => boolean, keyOf: (p: number) => string, writes?: WatchWrites): Promise<void> {
  let next = 1;
  const lastSeen = new Map<string, number | null>();
  const num = (v: string | null): number | null => (v === null ? null : Number(v));
  while (!until()) {
    const key = keyOf(p);
    const r = rand();
    if (r < 0.5) {
      rec.record('invoke', p, { f: 'read', key, value: null });
      try {
        const value = num(await db.read(key));
        lastSeen.set(key, value);
        rec.record('ok', p, { f: 'read', key, value });
      } catch {
        rec.record('fail', p, { f: 'read', key, value: null }); // a read changes nothing
      }
    } else if (r < 0.8) {
      const value = p * 1_000_000 + next++;
      rec.record('invoke', p, { f: 'write', key, value });
      try {
        const ts = await db.write(key, String(value));
        lastSeen.set(key, value);
        rec.record('ok', p, { f: 'write', key, value });
        writes?.note(key, String(value), 'ok', ts);
      } catch (e) {
        rec.record(db.indeterminate(e) ? 'info' : 'fail', p, { f: 'write', key, value });
        writes?.note(key, String(value), db.indeterminate(e) ? 'info' : 'fail');
      }
    } else {
      // Expect what this process last saw (often current, sometimes stale).
      const expected = lastSeen.has(key) ? lastSeen.get(key)! : null;
      const value = p * 1_000_000 + next++;
      const op: RegisterOp = { f: 'cas', key, value: [expected, value] };
      rec.record('invoke', p, op);
      try {
        const res = await db.cas(key, expected === null ? null : String(expected), String(value));
        if (res.succeeded) lastSeen.set(key, value);
        else lastSeen.set(key, num(res.current));
        rec.record(res.succeeded ? 'ok' : 'fail', p, op);
        writes?.note(key, String(value), res.succeeded ? 'ok' : 'fail', res.commitTs);
      } catch (e) {
        rec.record(db.indeterminate(e) ? 'info' : 'fail', p, op);
        writes?.note(key, String(value), db.indeterminate(e) ? 'info' : 'fail');
      }
    }
  }
}

async function setWorker(p: number, db: FerryClient, rec: Recorder, until: () => boolean, counter: { next: number }, keys: WorkloadKeys, writes?: WatchWrites): Promise<void> {
  while (!until()) {
    const value = counter.next++;
    rec.record('invoke', p, { f: 'add', value });
    try {
      const ts = await db.put(keys.set(value), '1', { timeoutMs: OP_TIMEOUT_MS });
      rec.record('ok', p, { f: 'add', value });
      writes?.note(keys.set(value), '1', 'ok', ts);
    } catch (e) {
      rec.record(indeterminate(e) ? 'info' : 'fail', p, { f: 'add', value });
      writes?.note(keys.set(value), '1', indeterminate(e) ? 'info' : 'fail');
    }
  }
}

async function readSet(p: number, db: FerryClient, rec: Recorder, keys: WorkloadKeys): Promise<void> {
  rec.record('invoke', p, { f: 'read-set', value: null });
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const seen: number[] = [];
      for await (const row of db.scan({ ...keys.setScan(), timeoutMs: 10_000 })) {
        const v = keys.setValue(Buffer.from(row.key).toString());
        if (v !== undefined) seen.push(v);
      }
      rec.record('ok', p, { f: 'read-set', value: seen });
      return;
    } catch {
      await sleep(500);
    }
  }
  rec.record('fail', p, { f: 'read-set', value: null });
}

class Nemesis {
  readonly log: string[] = [];
  private readonly down = new Set<number>();
  private readonly paused = new Set<number>();
  private partitioned = false;
  private faults = 0;
  private partitions = 0;
  /** Migration jobs the nemesis started. */
  readonly jobs: string[] = [];
  /** What the nemesis saw go wrong (a wiped node that started as its old self): any entry fails the run. */
  readonly violations: string[] = [];
  private readonly offset: number;

  constructor(
    private readonly c: TestCluster,
    private readonly ids: number[],
    private readonly rand: () => number,
    private readonly kinds: readonly NemesisKind[],
    private readonly note: (s: string) => void,
    /** Transactional workloads hold keys in every route: any route may move or split. */
    private readonly everyRoute = false,
    private readonly keys = new WorkloadKeys([]),
  ) {
    this.offset = Math.floor(rand() * kinds.length);
  }

  private say(s: string): void {
    this.log.push(s);
    this.note(`nemesis: ${s}`);
  }

  private splitPrefixes(): string[] {
    // (No random draw with the 3 default groups: a seed replays the schedule it always did.)
    const workload = this.keys.splitPrefixes(this.keys.spread ? Math.floor(this.rand() * 1_000_000) : 0);
    return this.everyRoute ? [...workload, 'c/snapshot/', 'j/serializable/', 'd/acct/', 'r/acct/'] : workload;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  /** One action: fault something, or heal what is faulted. */
  async step(): Promise<void> {
    if (this.down.size + this.paused.size > 0 || this.partitioned) {
      await this.heal();
      return;
    }
    // Cycle through the kinds from a random start, so every kind runs.
    const kind = this.kinds[(this.faults++ + this.offset) % this.kinds.length]!;
    const up = this.ids.filter((id) => !this.down.has(id) && !this.paused.has(id));
    switch (kind) {
      case 'kill': {
        const id = this.pick(up);
        await this.c.kill(id, 'SIGKILL');
        this.down.add(id);
        this.say(`kill -9 node ${id}`);
        break;
      }
      case 'wipe': {
        // A lost disk: the node must refuse to start on the emptied dir, then come back only as its replacement.
        const id = this.pick(up);
        await this.c.kill(id, 'SIGKILL');
        this.c.wipe(id);
        this.c.startNode(id);
        const code = await Promise.race([this.c.exited(id), sleep(20_000).then(() => 'still running' as const)]);
        if (code !== EXIT_STORE_REFUSED) {
          this.violations.push(`wipe: node ${id} did not refuse its emptied data dir (${code === 'still running' ? 'it kept running' : `exit ${String(code)}`})`);
          await this.c.kill(id, 'SIGKILL');
        }
        this.c.wipe(id);
        this.c.startNode(id, ['--replace-node']);
        this.say(`wipe node ${id}: kill -9, empty its data dir, restart: ${code === EXIT_STORE_REFUSED ? 'refused (exit 78)' : `NOT refused (${String(code)})`}; restarted with --replace-node`);
        break;
      }
      case 'pause': {
        const id = this.pick(up);
        this.c.pause(id);
        this.paused.add(id);
        this.say(`SIGSTOP node ${id}`);
        break;
      }
      case 'partition': {
        const shape = PARTITION_SHAPES[this.partitions++ % PARTITION_SHAPES.length]!;
        const { cuts, what } = await this.partitionCuts(shape);
        await this.applyCuts(cuts);
        this.partitioned = true;
        this.say(`partition (${shape}): ${what}`);
        break;
      }
      case 'transfer': {
        try {
          const group = 1 + Math.floor(this.rand() * this.c.groups);
          const leader = await this.c.leaderOf(group, 2000);
          const to = this.pick(this.ids.filter((id) => id !== leader));
          const a = this.c.adminApi(leader);
          await a.transferLeader({ groupId: group, toNodeId: to }, 5000);
          this.say(`transfer leadership of group ${group} from ${leader} to ${to}`);
        } catch (e) {
          this.say(`transfer failed: ${(e as Error).message}`);
        }
        break;
      }
      case 'migrate': {
        // Move a route holding workload keys to another group (sometimes
        // splitting it first), and leave the job running under the next faults.
        try {
          const via = this.pick(up);
          const routes = (await this.c.adminApi(via).listRoutes({ local: false }, 3000)).routes
            .map(fromRawRoute)
            .filter((r) => r.state === 'ACTIVE' && (this.everyRoute || this.keys.spread || this.keys.ranges().some(([lo, hi]) => Buffer.compare(r.start, hi) < 0 && (r.end.byteLength === 0 || Buffer.compare(r.end, lo) > 0))));
          if (routes.length === 0) {
            this.say('migrate: every workload route is already moving');
            break;
          }
          const split = this.rand() < 0.3 ? `${this.pick(this.splitPrefixes())}${Math.floor(this.rand() * 1000)}` : undefined;
          // With a split key the job moves the route holding that key.
          const at = split === undefined ? undefined : Buffer.from(split, 'latin1');
          const holder = at ? routes.find((x) => Buffer.compare(x.start, at) <= 0 && (x.end.byteLength === 0 || Buffer.compare(at, x.end) < 0)) : undefined;
          if (split && !holder) {
            this.say(`migrate: the route holding "${split}" is already moving`);
            break;
          }
          const r = holder ?? this.pick(routes);
          const to = this.pick(Array.from({ length: this.c.groups }, (_, i) => i + 1).filter((g) => g !== r.groupId));
          const leader = await this.c.leaderOf(1, 3000);
          const job = await this.c.adminApi(leader).startSplitMigration(
            {
              ...(at ? { splitKey: at } : { routeId: String(r.routeId) }),
              targetGroup: to,
              options: { chunkBytes: 64 << 10, cleanupGraceMs: '0', cleanupGraceSet: true },
            },
            5000,
          );
          this.jobs.push(job.jobId);
          this.say(`migrate ${split ? `from ${JSON.stringify(split)}` : `route ${r.routeId}`} (group ${r.groupId}) to group ${to}: job ${job.jobId}`);
        } catch (e) {
          this.say(`migrate failed to start: ${(e as Error).message}`);
        }
        break;
      }
      case 'split': {
        // A same-group split among the workload's keys: clients and nodes route
        // by caches that lag it, and set reads scan across the new boundary.
        const key = `${this.pick(this.splitPrefixes())}${Math.floor(this.rand() * 1000)}`;
        const via = this.pick(up);
        try {
          const res = await this.c.adminApi(via).splitRange({ splitKey: Buffer.from(key, 'latin1') }, 5000);
          this.say(`split at ${JSON.stringify(key)} via node ${via}: catalog v${res.version}${res.alreadySplit ? ' (already split)' : ''}`);
        } catch (e) {
          this.say(`split at ${JSON.stringify(key)} failed: ${(e as Error).message}`);
        }
        break;
      }
    }
  }

  /**
   * The links to cut for a partition shape, as unordered node pairs:
   * isolate-leader (the leader of the workload group alone), halves (a random
   * majority | minority), bridge (two halves that only one node connects),
   * ring (each node reaches only its two neighbours; for 3 nodes a ring is
   * complete, so one link is cut).
   */
  private async partitionCuts(shape: PartitionShape): Promise<{ cuts: [number, number][]; what: string }> {
    const ids = [...this.ids].sort(() => this.rand() - 0.5);
    const cutBetween = (a: number[], b: number[]): [number, number][] => a.flatMap((x) => b.map((y) => [x, y] as [number, number]));
    switch (shape) {
      case 'isolate-leader': {
        let victim = ids[0]!;
        try {
          victim = await this.c.leaderOf(WORKLOAD_GROUP, 2000);
        } catch {
          /* keep the random one */
        }
        return { cuts: cutBetween([victim], this.ids.filter((x) => x !== victim)), what: `node ${victim} (leader of group ${WORKLOAD_GROUP}) alone` };
      }
      case 'halves': {
        const minority = ids.slice(0, Math.floor(ids.length / 2));
        const majority = ids.slice(minority.length);
        return { cuts: cutBetween(minority, majority), what: `${minority.join(',')} | ${majority.join(',')}` };
      }
      case 'bridge': {
        const bridge = ids[0]!;
        const rest = ids.slice(1);
        const a = rest.slice(0, Math.floor(rest.length / 2));
        const b = rest.slice(a.length);
        return { cuts: cutBetween(a, b), what: `${a.join(',')} | ${b.join(',')} joined only through ${bridge}` };
      }
      case 'ring': {
        const cuts: [number, number][] = [];
        for (let i = 0; i < ids.length; i++) {
          for (let j = i + 1; j < ids.length; j++) {
            const adjacent = j === i + 1 || (i === 0 && j === ids.length - 1);
            if (!adjacent) cuts.push([ids[i]!, ids[j]!]);
          }
        }
        if (cuts.length === 0) cuts.push([ids[0]!, ids[1]!]);
        return { cuts, what: `ring ${ids.join('-')}-${ids[0]}, cut ${cuts.map(([x, y]) => `${x}/${y}`).join(' ')}` };
      }
    }
  }

  private async applyCuts(cuts: [number, number][]): Promise<void> {
    for (const id of this.ids) {
      const peers = new Set<number>();
      for (const [a, b] of cuts) {
        if (a === id) peers.add(b);
        if (b === id) peers.add(a);
      }
      try {
        await this.c.adminApi(id).setFaults({ faults: [...peers].map((nodeId) => ({ nodeId, drop: 1, delayMs: 0 })) }, 2000);
      } catch {
        /* a node that is down has no rules to set */
      }
    }
  }

  async heal(): Promise<void> {
    for (const id of this.paused) {
      this.c.resume(id);
      this.say(`SIGCONT node ${id}`);
    }
    this.paused.clear();
    for (const id of this.down) {
      this.c.startNode(id);
      this.say(`restart node ${id}`);
    }
    this.down.clear();
    if (this.partitioned) {
      for (const id of this.ids) {
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            await this.c.adminApi(id).setFaults({ faults: [] }, 2000);
            break;
          } catch {
            await sleep(250);
          }
        }
      }
      this.partitioned = false;
      this.say('heal partition');
    }
  }
}

export async function runJepsen(o: RunOptions): Promise<RunReport> {
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-seed${o.seed}`;
  const dir = join(o.storeDir, runId);
  mkdirSync(dir, { recursive: true });
  const rand = rng(o.seed);
  o.log(`jepsen: run ${runId}; workloads ${o.workloads.join('+')}, nemesis ${o.nemeses.join('+') || 'none'}, ${o.timeSec} s, seed ${o.seed}`);
  const viaEtcd = o.registerApi === 'etcd';
  if (viaEtcd && (o.workloads.includes('watch') || (o.groups ?? 3) > 3)) throw new Error('jepsen: the register workload through the etcd API runs without the watch workload, on at most 3 groups');
  const c = await TestCluster.start({
    nodes: o.nodes,
    groups: o.groups ?? 3,
    extraArgs: ['--compact-log-entries', '200', '--request-timeout-ms', '2000'],
    etcd: viaEtcd,
    env: o.unsafeStaleReads ? { FERRYKV_UNSAFE_STALE_READS: '1' } : {},
  });
  const ids = Array.from({ length: o.nodes }, (_, i) => i + 1);
  const rec = new Recorder();
  let stop = false;
  const until = (): boolean => stop;
  const clients: FerryClient[] = [];
  const clientFor = (p: number): FerryClient => {
    // Rotate the endpoint list so processes prefer different nodes.
    const eps = ids.map((_, i) => c.address(ids[(p + i) % ids.length]!));
    // Under the stale-read failpoint, clients keep to their first node instead of following leader
    // hints, so reads also land on followers (which then answer from what they applied): the run
    // must then catch a stale read however the partitions fall, not only when one isolates a leader.
    const db = new FerryClient({ endpoints: eps, timeoutMs: OP_TIMEOUT_MS, ...(o.unsafeStaleReads ? { routing: 'off' as const } : {}) });
    clients.push(db);
    return db;
  };
  const txnWorkloads = o.workloads.includes('bank') || o.workloads.includes('append');
  // The etcd API stores its keys under "\xffetcd/" (src/etcd/keys.ts).
  const keys = new WorkloadKeys(c.routeStarts, viaEtcd ? '\u00ffetcd/' : '');
  const registerClients: RegisterClient[] = [];
  const registerFor = (p: number): RegisterClient => {
    const r = viaEtcd ? etcdRegister(ids.map((_, i) => c.etcdAddress(ids[(p + i) % ids.length]!))) : nativeRegister(clientFor(p));
    registerClients.push(r);
    return r;
  };
  const nemesis = new Nemesis(c, ids, rand, o.nemeses, o.log, txnWorkloads, keys);
  const t0 = performance.now();
  const bankRec = new TxnRecorder<BankOp>(t0);
  const appendRecs = { snapshot: new TxnRecorder<TxnOp>(t0), serializable: new TxnRecorder<TxnOp>(t0) };
  let report: RunReport | undefined;
  try {
    // Register keys rotate so each key's history stays small enough to check;
    // at most PROCS_PER_KEY processes share a key.
    const opsPerKey = new Map<string, number>();
    const keyGen = new Map<number, number>();
    const keyOf = (p: number): string => {
      const slot = Math.floor(p / PROCS_PER_KEY);
      const gen = keyGen.get(slot) ?? 0;
      const key = keys.register(slot, gen);
      const n = (opsPerKey.get(key) ?? 0) + 1;
      opsPerKey.set(key, n);
      if (n >= KEY_ROTATE_OPS) keyGen.set(slot, gen + 1);
      return key;
    };
    const workers: Promise<void>[] = [];
    let procs = 0;
    const watchWrites = o.workloads.includes('watch') ? new WatchWrites() : undefined;
    const watchers = watchWrites ? await startWatchers(clientFor(o.nodes + 1000), clientFor(o.nodes + 1001), keys.watchRange(), rng(o.seed * 43)) : [];
    if (o.workloads.includes('register')) {
      for (let i = 0; i < o.registerProcesses; i++) {
        const p = procs++;
        const r = rng(o.seed * 31 + p);
        workers.push(registerWorker(p, registerFor(p), rec, r, until, keyOf, watchWrites));
      }
    }
    const counter = { next: 1 };
    const setProcs: number[] = [];
    if (o.workloads.includes('set')) {
      for (let i = 0; i < o.setProcesses; i++) {
        const p = procs++;
        setProcs.push(p);
        workers.push(setWorker(p, clientFor(p), rec, until, counter, keys, watchWrites));
      }
    }
    if (o.workloads.includes('bank')) {
      await seedBank(clientFor(procs));
      for (let i = 0; i < (o.bankProcesses ?? 4); i++) {
        const p = procs++;
        workers.push(bankWorker(p, clientFor(p), bankRec, rng(o.seed * 37 + p), until));
      }
    }
    if (o.workloads.includes('append')) {
      const counter = { next: 1 };
      const pools = { snapshot: new AppendKeys('snapshot'), serializable: new AppendKeys('serializable') };
      for (let i = 0; i < (o.appendProcesses ?? 6); i++) {
        const p = procs++;
        const level = i % 2 === 0 ? 'snapshot' : 'serializable';
        workers.push(appendWorker(p, clientFor(p), appendRecs[level], rng(o.seed * 41 + p), until, pools[level], level, counter));
      }
    }
    const end = Date.now() + o.timeSec * 1000;
    if (o.nemeses.length > 0) {
      while (Date.now() < end) {
        await sleep(o.nemesisIntervalSec * 1000 * (0.5 + rand()));
        if (Date.now() >= end) break;
        await nemesis.step();
      }
    } else {
      await sleep(o.timeSec * 1000);
    }
    await nemesis.heal();
    o.log('jepsen: healed; letting the cluster recover');
    await c.waitForLeaders(ids, 60_000);
    await sleep(2000);
    // Let the migrations finish (bounded), under the workload.
    const migrations: NonNullable<RunReport['migrations']> = [];
    const jobsUntil = Date.now() + 60_000;
    for (const jobId of nemesis.jobs) {
      for (;;) {
        try {
          const j = await c.adminApi(await c.leaderOf(1, 5000)).getSplitJob({ jobId }, 5000);
          if (['DONE', 'ABANDONED', 'FAILED'].includes(j.phase) || Date.now() > jobsUntil) {
            migrations.push({ jobId, phase: j.phase, fenceWindowsMs: j.progress?.fenceWindowsMs ?? [], lastError: j.lastError });
            break;
          }
        } catch (e) {
          if (Date.now() > jobsUntil) {
            migrations.push({ jobId, phase: 'UNKNOWN', fenceWindowsMs: [], lastError: (e as Error).message });
            break;
          }
        }
        await sleep(250);
      }
    }
    if (migrations.length > 0) o.log(`jepsen: migrations ${migrations.map((m) => `${m.jobId}:${m.phase}`).join(' ')}`);
    stop = true;
    await Promise.all(workers);
    // Final reads after recovery.
    if (o.workloads.includes('set')) await readSet(setProcs[0] ?? procs, clientFor(procs + 1), rec, keys);
    // A final bank read after recovery.
    if (o.workloads.includes('bank')) await finalBankRead(procs + 2, clientFor(procs + 2), bankRec);
    // The feeds catch up with the newest acknowledged write (bounded), then stop.
    const inWatch = inRangeOf(keys.watchRange());
    for (const w of watchers) await w.finish(watchWrites!.newestAcked(inWatch), 60_000);
    o.log(`jepsen: ${rec.events.length + bankRec.events.length + appendRecs.snapshot.events.length + appendRecs.serializable.events.length} events recorded; checking`);

    writeFileSync(join(dir, 'history.jsonl'), rec.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    if (o.workloads.includes('bank')) writeFileSync(join(dir, 'bank.jsonl'), bankRec.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const level of ['snapshot', 'serializable'] as const) {
      if (o.workloads.includes('append')) writeFileSync(join(dir, `append-${level}.jsonl`), appendRecs[level].events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    }
    const bank = o.workloads.includes('bank') ? checkBank(bankRec.events, { accounts: BANK_ACCOUNTS, total: BANK_START * BANK_ACCOUNTS.length, allowNegative: false }) : undefined;
    const append = o.workloads.includes('append')
      ? {
          snapshot: checkAppend(appendRecs.snapshot.events, { isolation: 'snapshot-isolation' }),
          serializable: checkAppend(appendRecs.serializable.events, { isolation: 'serializable' }),
        }
      : undefined;
    const registerEvents = rec.events.filter((e) => 'key' in e.op) as HistoryEvent<RegisterOp>[];
    const setEvents = rec.events.filter((e) => !('key' in e.op)) as HistoryEvent<SetOp>[];
    const register = o.workloads.includes('register') ? checkRegister(registerEvents, { timeoutMs: o.checkerTimeoutMs }) : undefined;
    const set = o.workloads.includes('set') ? checkSet(setEvents) : undefined;
    const watch = watchWrites ? checkWatch(watchWrites.writes, watchers.map((w) => w.log(inWatch))) : undefined;
    const stats = txnWorkloads
      ? {
          ...(rec.events.length > 0 ? { raw: latencyStats(rec.events) } : {}),
          ...(bankRec.events.length > 0 ? { bank: latencyStats(bankRec.events) } : {}),
          ...(appendRecs.snapshot.events.length > 0 ? { appendSnapshot: latencyStats(appendRecs.snapshot.events) } : {}),
          ...(appendRecs.serializable.events.length > 0 ? { appendSerializable: latencyStats(appendRecs.serializable.events) } : {}),
        }
      : latencyStats(rec.events);
    let valid: boolean | 'unknown' = true;
    const migrationsOk = migrations.every((m) => m.phase === 'DONE' || m.phase === 'ABANDONED');
    for (const v of nemesis.violations) o.log(`jepsen: VIOLATION ${v}`);
    for (const v of [register?.valid, set?.valid, watch?.valid, migrationsOk, nemesis.violations.length === 0, bank?.valid, append?.snapshot.valid, append?.serializable.valid]) {
      if (v === false) valid = false;
      else if (v === 'unknown' && valid === true) valid = 'unknown';
    }
    report = {
      valid,
      seed: o.seed,
      dir,
      ...(register ? { register } : {}),
      ...(set ? { set } : {}),
      ...(watch ? { watch } : {}),
      ...(bank ? { bank } : {}),
      ...(append ? { append } : {}),
      nemesis: nemesis.log,
      violations: nemesis.violations,
      stats,
      migrations,
    };
    writeFileSync(join(dir, 'results.json'), JSON.stringify(report, null, 2));
    const events = rec.events.length + bankRec.events.length + appendRecs.snapshot.events.length + appendRecs.serializable.events.length;
    writeFileSync(join(dir, 'report.txt'), humanReport(report, events));
    o.log(humanReport(report, events));
    return report;
  } finally {
    stop = true;
    for (const db of clients) db.close();
    for (const r of registerClients) if (viaEtcd) r.close(); // native ones share the SDK clients closed above
    await c.cleanup(report?.valid !== true);
  }
}

function humanReport(r: RunReport, events: number): string {
  const lines: string[] = [];
  lines.push(`ferrykv jepsen run — seed ${r.seed}: ${r.valid === true ? 'VALID' : r.valid === false ? 'INVALID' : 'UNKNOWN (checker budget exhausted: not a pass)'}`);
  lines.push(`history: ${events} events; artifacts in ${r.dir}`);
  if (r.register) {
    const bad = r.register.keys.filter((k) => k.valid !== true);
    lines.push(`register: ${r.register.valid} over ${r.register.keys.length} keys (${r.register.ms} ms)`);
    for (const k of bad.slice(0, 5)) {
      lines.push(`  key ${k.key}: ${k.valid}${k.failure ? ` — ${k.failure.message}` : ''}`);
      for (const e of k.failure?.minimal ?? []) lines.push(`    ${JSON.stringify(e)}`);
    }
  }
  if (r.set) lines.push(`set: ${r.set.valid}; attempted ${r.set.attempted}, acknowledged ${r.set.acknowledged}, lost ${r.set.lost.length}, unexpected ${r.set.unexpected.length}, stale ${r.set.stale.length}, recovered ${r.set.recovered.length}`);
  for (const w of r.watch?.watchers ?? []) {
    lines.push(
      `watch (${w.name}): ${w.valid}; ${w.events} events (${w.repeats} repeats after a resume), ${w.restarts} restarts, ${w.judged} acknowledged writes judged, lost ${w.lost.length}, unexpected ${w.unexpected.length}, wrong ts ${w.wrongTs.length}, resolved violations ${w.resolvedViolations.length}, order ${w.orderViolations.length}${w.stalled ? `, STALLED at ${w.finalResolved} < ${w.newestAcked}` : ''}${w.errors.length ? `, errors: ${w.errors.slice(0, 3).join('; ')}` : ''}`,
    );
    for (const x of [...w.lost, ...w.unexpected, ...w.wrongTs, ...w.resolvedViolations, ...w.orderViolations].slice(0, 5)) lines.push(`  ${x}`);
  }
  if (r.bank) {
    const b = r.bank;
    lines.push(`bank: ${b.valid}; ${b.reads} reads, transfers ok ${b.transfers.ok} / fail ${b.transfers.fail} / info ${b.transfers.info}, bad totals ${b.badTotals.length}, negative ${b.negative.length}, missing accounts ${b.missingAccounts.length}${b.reason ? ` (${b.reason})` : ''}`);
    for (const x of b.badTotals.slice(0, 3)) lines.push(`  read at ${x.index}: total ${x.total} ${JSON.stringify(x.balances)}`);
  }
  for (const [level, a] of Object.entries(r.append ?? {})) {
    lines.push(`append (${level}): ${a.valid}; txns ok ${a.txns.ok} / fail ${a.txns.fail} / info ${a.txns.info}; anomalies ${a.anomalyTypes.join(', ') || 'none'}${a.allowed.length ? ` (allowed: ${a.allowed.join(', ')})` : ''}`);
    for (const an of a.anomalies.filter((x) => !a.allowed.includes(x.type)).slice(0, 3)) lines.push(`  ${an.type}: ${an.explanation}`);
  }
  lines.push(`nemesis: ${r.nemesis.length} actions`);
  for (const n of r.nemesis) lines.push(`  ${n}`);
  if (r.migrations && r.migrations.length > 0) {
    lines.push(`migrations: ${r.migrations.length} started by the nemesis`);
    for (const m of r.migrations) lines.push(`  job ${m.jobId}: ${m.phase}${m.fenceWindowsMs.length ? `, fence windows ${m.fenceWindowsMs.join(',')} ms` : ''}${m.lastError ? ` (last error: ${m.lastError})` : ''}`);
  }
  lines.push(`stats: ${JSON.stringify(r.stats)}`);
  if (r.valid !== true) lines.push(`replay: npm run jepsen -- --seed ${r.seed}`);
  return lines.join('\n') + '\n';
}

/** The watch workload's consumers, from one start timestamp (a sentinel write's): one steady feed, one that restarts from its checkpoints. */
async function startWatchers(a: FerryClient, b: FerryClient, range: WatchRange, rand: () => number): Promise<Watcher[]> {
  let fromTs = 0n;
  for (let attempt = 0; fromTs === 0n; attempt++) {
    try {
      fromTs = await a.put('watch-start', 'x', { timeoutMs: 5000 });
    } catch (e) {
      if (attempt >= 10) throw e;
      await sleep(500);
    }
  }
  const watchers = [new Watcher('steady', a, range, fromTs), new Watcher('restarting', b, range, fromTs, rand)];
  for (const w of watchers) w.start();
  return watchers;
}
