// Test harness: a real ferrykv cluster of node processes on 127.0.0.1.
//
// Nodes are spawned as `node dist/cmd/ferrykv-server.js` directly (the PID is
// the server's, so SIGKILL/SIGSTOP reach it), with OS-assigned free ports, one
// temporary data directory per cluster, test hooks on, and --parent-pid so a
// crashed test leaves no orphan. cleanup() signals only the PIDs it started.

import { evenSplitKeys } from '../src/api/splits.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { KvError, fromServiceError } from '../src/api/errors.js';
import type { ExportRangeChunk__Output } from '../src/proto-gen/ferrykv/internal/v1/ExportRangeChunk.js';
import type { AddMemberRequest } from '../src/proto-gen/ferrykv/admin/v1/AddMemberRequest.js';
import type { AdminClient } from '../src/proto-gen/ferrykv/admin/v1/Admin.js';
import type { GroupStatus__Output } from '../src/proto-gen/ferrykv/admin/v1/GroupStatus.js';
import type { MembershipResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/MembershipResponse.js';
import type { NodeStatusResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { PromoteMemberRequest } from '../src/proto-gen/ferrykv/admin/v1/PromoteMemberRequest.js';
import type { SetFaultsRequest } from '../src/proto-gen/ferrykv/admin/v1/SetFaultsRequest.js';
import type { SplitRangeRequest } from '../src/proto-gen/ferrykv/admin/v1/SplitRangeRequest.js';
import type { AbandonSplitJobRequest } from '../src/proto-gen/ferrykv/admin/v1/AbandonSplitJobRequest.js';
import type { GetSplitJobRequest } from '../src/proto-gen/ferrykv/admin/v1/GetSplitJobRequest.js';
import type { ListSplitJobsRequest } from '../src/proto-gen/ferrykv/admin/v1/ListSplitJobsRequest.js';
import type { ListSplitJobsResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/ListSplitJobsResponse.js';
import type { SplitJob__Output } from '../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { StartSplitMigrationRequest } from '../src/proto-gen/ferrykv/admin/v1/StartSplitMigrationRequest.js';
import type { VerifyRangeRequest } from '../src/proto-gen/ferrykv/admin/v1/VerifyRangeRequest.js';
import type { VerifyRangeResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/VerifyRangeResponse.js';
import type { SplitRangeResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/SplitRangeResponse.js';
import type { ListRoutesRequest } from '../src/proto-gen/ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse__Output } from '../src/proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { RemoveMemberRequest } from '../src/proto-gen/ferrykv/admin/v1/RemoveMemberRequest.js';
import type { TransferLeaderRequest } from '../src/proto-gen/ferrykv/admin/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/TransferLeaderResponse.js';
import type { BatchGetRequest } from '../src/proto-gen/ferrykv/v1/BatchGetRequest.js';
import type { BatchGetResponse__Output } from '../src/proto-gen/ferrykv/v1/BatchGetResponse.js';
import type { BatchWriteRequest } from '../src/proto-gen/ferrykv/v1/BatchWriteRequest.js';
import type { CompareAndSwapRequest } from '../src/proto-gen/ferrykv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse__Output } from '../src/proto-gen/ferrykv/v1/CompareAndSwapResponse.js';
import type { DeleteRangeRequest } from '../src/proto-gen/ferrykv/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse__Output } from '../src/proto-gen/ferrykv/v1/DeleteRangeResponse.js';
import type { DeleteRequest } from '../src/proto-gen/ferrykv/v1/DeleteRequest.js';
import type { GetRequest } from '../src/proto-gen/ferrykv/v1/GetRequest.js';
import type { GetResponse__Output } from '../src/proto-gen/ferrykv/v1/GetResponse.js';
import type { PutRequest } from '../src/proto-gen/ferrykv/v1/PutRequest.js';
import type { RawKVClient } from '../src/proto-gen/ferrykv/v1/RawKV.js';
import type { ScanRequest } from '../src/proto-gen/ferrykv/v1/ScanRequest.js';
import type { ScanResponse__Output } from '../src/proto-gen/ferrykv/v1/ScanResponse.js';
import type { WriteResponse__Output } from '../src/proto-gen/ferrykv/v1/WriteResponse.js';
import { CHANNEL_OPTIONS, protos } from '../src/api/protos.js';

const root = fileURLToPath(new URL('../', import.meta.url));
export const SERVER_BIN = join(root, 'dist/cmd/ferrykv-server.js');

/** Ports this process handed out: the OS may give a just-closed ephemeral port again at once. */
const handedOut = new Set<number>();

/** A free loopback port, never one this process handed out before (two nodes once got the same one, and neither started). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: the OS keeps returning ports already handed out');
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ClusterOptions {
  /** Voters of every group. */
  readonly nodes?: number;
  /** Nodes listed in the cluster file but in no group (to be added later). */
  readonly spareNodes?: number;
  readonly groups?: number;
  readonly extraArgs?: readonly string[];
  /** Extra environment for every node (e.g. a test-only failpoint). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment of particular nodes (e.g. a failpoint on one replica). */
  readonly nodeEnv?: Readonly<Record<number, Readonly<Record<string, string>>>>;
  /** Voters of particular groups (default: the first `nodes` nodes for every group). */
  readonly groupVoters?: Readonly<Record<number, readonly number[]>>;
  /** How long start() waits for every group to have a leader (default 30 s). */
  readonly leaderTimeoutMs?: number;
  /** Give every node an etcd-compatible endpoint (its address in the cluster file; docs/etcd-compat.md). */
  readonly etcd?: boolean;
}

interface NodeProc {
  readonly id: number;
  readonly port: number;
  readonly httpPort: number;
  /** The etcd endpoint's port (0: none). */
  readonly etcdPort: number;
  proc: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
}

/** The RawKV API of one node, typed (each call looks the client up, so it survives restarts). */
export interface KvApi {
  get(req: GetRequest, timeoutMs?: number): Promise<GetResponse__Output>;
  batchGet(req: BatchGetRequest, timeoutMs?: number): Promise<BatchGetResponse__Output>;
  put(req: PutRequest, timeoutMs?: number): Promise<WriteResponse__Output>;
  delete(req: DeleteRequest, timeoutMs?: number): Promise<WriteResponse__Output>;
  deleteRange(req: DeleteRangeRequest, timeoutMs?: number): Promise<DeleteRangeResponse__Output>;
  batchWrite(req: BatchWriteRequest, timeoutMs?: number): Promise<WriteResponse__Output>;
  scan(req: ScanRequest, timeoutMs?: number): Promise<ScanResponse__Output>;
  compareAndSwap(req: CompareAndSwapRequest, timeoutMs?: number): Promise<CompareAndSwapResponse__Output>;
}

/** The Admin API of one node, typed. */
export interface AdminApi {
  nodeStatus(timeoutMs?: number): Promise<NodeStatusResponse__Output>;
  addMember(req: AddMemberRequest, timeoutMs?: number): Promise<MembershipResponse__Output>;
  promoteMember(req: PromoteMemberRequest, timeoutMs?: number): Promise<MembershipResponse__Output>;
  removeMember(req: RemoveMemberRequest, timeoutMs?: number): Promise<MembershipResponse__Output>;
  transferLeader(req: TransferLeaderRequest, timeoutMs?: number): Promise<TransferLeaderResponse__Output>;
  /** Test hook: replaces the node's raft-traffic fault rules (empty heals). */
  setFaults(req: SetFaultsRequest, timeoutMs?: number): Promise<object>;
  listRoutes(req: ListRoutesRequest, timeoutMs?: number): Promise<ListRoutesResponse__Output>;
  splitRange(req: SplitRangeRequest, timeoutMs?: number): Promise<SplitRangeResponse__Output>;
  startSplitMigration(req: StartSplitMigrationRequest, timeoutMs?: number): Promise<SplitJob__Output>;
  getSplitJob(req: GetSplitJobRequest, timeoutMs?: number): Promise<SplitJob__Output>;
  listSplitJobs(req: ListSplitJobsRequest, timeoutMs?: number): Promise<ListSplitJobsResponse__Output>;
  abandonSplitJob(req: AbandonSplitJobRequest, timeoutMs?: number): Promise<SplitJob__Output>;
  verifyRange(req: VerifyRangeRequest, timeoutMs?: number): Promise<VerifyRangeResponse__Output>;
  repairSplitJob(req: GetSplitJobRequest, timeoutMs?: number): Promise<SplitJob__Output>;
}

/** Unary call as a promise; failures become KvError. */
export function call<Req, Res>(fn: (req: Req, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: Req, timeoutMs = 10_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(fromServiceError(err));
      else resolve(res as Res);
    });
  });
}

export class TestCluster {
  readonly dir: string;
  readonly nodes = new Map<number, NodeProc>();
  readonly groups: number;
  private readonly clients = new Map<number, { kv: RawKVClient; admin: AdminClient }>();
  private readonly extraArgs: readonly string[];
  env: Readonly<Record<string, string>> = {};
  /** Each group's initial voters. */
  voters = new Map<number, readonly number[]>();
  /** Extra environment of particular nodes. */
  nodeEnv: Readonly<Record<number, Readonly<Record<string, string>>>> = {};
  /** The initial routes' start keys, by group (group g's range starts at routeStarts[g - 1]). */
  routeStarts: readonly string[] = [];

  private constructor(dir: string, groups: number, extraArgs: readonly string[]) {
    this.dir = dir;
    this.groups = groups;
    this.extraArgs = extraArgs;
  }

  static async start(opts: ClusterOptions = {}): Promise<TestCluster> {
    if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing: run \`npm run build\` first`);
    const n = opts.nodes ?? 3;
    const spare = opts.spareNodes ?? 0;
    const groups = opts.groups ?? 3;
    const dir = mkdtempSync(join(tmpdir(), 'ferrykv-it-'));
    const c = new TestCluster(dir, groups, opts.extraArgs ?? []);
    c.env = opts.env ?? {};
    c.nodeEnv = opts.nodeEnv ?? {};
    for (let id = 1; id <= n + spare; id++) c.nodes.set(id, { id, port: await freePort(), httpPort: await freePort(), etcdPort: opts.etcd ? await freePort() : 0, proc: undefined, exited: undefined });
    const voters = Array.from({ length: n }, (_, i) => i + 1);
    // Up to 4 groups the tests' key prefixes (a…, m…, t…, z…) fall one per group; beyond, even cuts.
    const splits = groups <= 4 ? ['h', 'p', 'x'].slice(0, groups - 1) : evenSplitKeys(groups);
    const bounds = ['', ...splits, ''];
    const cluster = {
      nodes: [...c.nodes.values()].map((p) => ({ id: p.id, address: `127.0.0.1:${p.port}`, http: `127.0.0.1:${p.httpPort}`, ...(p.etcdPort ? { etcd: `127.0.0.1:${p.etcdPort}` } : {}) })),
      groups: Array.from({ length: groups }, (_, i) => ({ id: i + 1, voters: opts.groupVoters?.[i + 1] ?? voters })),
      routes: Array.from({ length: groups }, (_, i) => ({ start: bounds[i]!, end: bounds[i + 1]!, group: i + 1 })),
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster, null, 2));
    c.routeStarts = bounds.slice(0, groups);
    c.voters = new Map(Array.from({ length: groups }, (_, i) => [i + 1, opts.groupVoters?.[i + 1] ?? voters]));
    for (const id of voters) c.startNode(id);
    try {
      await c.waitForLeaders(voters, opts.leaderTimeoutMs);
    } catch (e) {
      // The caller never gets the cluster to clean up: stop the nodes that did start (the logs stay).
      await c.cleanup(true);
      throw e;
    }
    return c;
  }

  get clusterFile(): string {
    return join(this.dir, 'cluster.json');
  }

  startNode(id: number, args: readonly string[] = []): void {
    const p = this.nodes.get(id)!;
    const dataDir = join(this.dir, `n${id}`);
    mkdirSync(dataDir, { recursive: true });
    const log = createWriteStream(join(this.dir, `n${id}.log`), { flags: 'a' });
    const proc = spawn(
      process.execPath,
      [
        SERVER_BIN,
        '--node-id', String(id),
        '--cluster', this.clusterFile,
        '--data-dir', dataDir,
        '--parent-pid', String(process.pid),
        '--tick-ms', '50',
        '--log-level', 'info',
        ...this.extraArgs,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRYKV_TEST_HOOKS: '1', ...this.env, ...(this.nodeEnv[id] ?? {}) } },
    );
    proc.stdout.pipe(log);
    proc.stderr.pipe(log);
    p.proc = proc;
    p.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    this.clients.delete(id);
  }

  address(id: number): string {
    return `127.0.0.1:${this.nodes.get(id)!.port}`;
  }

  /** The etcd endpoint of node `id`, host:port (the cluster must have been started with `etcd: true`). */
  etcdAddress(id: number): string {
    const port = this.nodes.get(id)!.etcdPort;
    if (!port) throw new Error('this cluster has no etcd endpoints: start it with { etcd: true }');
    return `127.0.0.1:${port}`;
  }

  httpPort(id: number): number {
    return this.nodes.get(id)!.httpPort;
  }

  kv(id: number): RawKVClient {
    return this.clientsFor(id).kv;
  }

  admin(id: number): AdminClient {
    return this.clientsFor(id).admin;
  }

  private clientsFor(id: number): { kv: RawKVClient; admin: AdminClient } {
    let c = this.clients.get(id);
    if (!c) {
      const p = protos();
      const creds = grpc.credentials.createInsecure();
      c = {
        kv: new p.pub.ferrykv.v1.RawKV(this.address(id), creds, CHANNEL_OPTIONS),
        admin: new p.admin.ferrykv.admin.v1.Admin(this.address(id), creds, CHANNEL_OPTIONS),
      };
      this.clients.set(id, c);
    }
    return c;
  }

  /** Typed RawKV calls to node `id`. */
  api(id: number): KvApi {
    const kv = (): RawKVClient => this.kv(id);
    return {
      get: (req, t) => call<GetRequest, GetResponse__Output>((r, o, cb) => kv().get(r, o, cb), req, t),
      batchGet: (req, t) => call<BatchGetRequest, BatchGetResponse__Output>((r, o, cb) => kv().batchGet(r, o, cb), req, t),
      put: (req, t) => call<PutRequest, WriteResponse__Output>((r, o, cb) => kv().put(r, o, cb), req, t),
      delete: (req, t) => call<DeleteRequest, WriteResponse__Output>((r, o, cb) => kv().delete(r, o, cb), req, t),
      deleteRange: (req, t) => call<DeleteRangeRequest, DeleteRangeResponse__Output>((r, o, cb) => kv().deleteRange(r, o, cb), req, t),
      batchWrite: (req, t) => call<BatchWriteRequest, WriteResponse__Output>((r, o, cb) => kv().batchWrite(r, o, cb), req, t),
      scan: (req, t) => call<ScanRequest, ScanResponse__Output>((r, o, cb) => kv().scan(r, o, cb), req, t),
      compareAndSwap: (req, t) => call<CompareAndSwapRequest, CompareAndSwapResponse__Output>((r, o, cb) => kv().compareAndSwap(r, o, cb), req, t),
    };
  }

  /** Typed Admin calls to node `id`. */
  adminApi(id: number): AdminApi {
    const a = (): AdminClient => this.admin(id);
    return {
      nodeStatus: (t) => call<object, NodeStatusResponse__Output>((r, o, cb) => a().nodeStatus(r, o, cb), {}, t),
      addMember: (req, t) => call<AddMemberRequest, MembershipResponse__Output>((r, o, cb) => a().addMember(r, o, cb), req, t),
      promoteMember: (req, t) => call<PromoteMemberRequest, MembershipResponse__Output>((r, o, cb) => a().promoteMember(r, o, cb), req, t),
      removeMember: (req, t) => call<RemoveMemberRequest, MembershipResponse__Output>((r, o, cb) => a().removeMember(r, o, cb), req, t),
      transferLeader: (req, t) => call<TransferLeaderRequest, TransferLeaderResponse__Output>((r, o, cb) => a().transferLeader(r, o, cb), req, t),
      setFaults: (req, t) => call<SetFaultsRequest, object>((r, o, cb) => a().setFaults(r, o, cb), req, t),
      listRoutes: (req, t) => call<ListRoutesRequest, ListRoutesResponse__Output>((r, o, cb) => a().listRoutes(r, o, cb), req, t),
      splitRange: (req, t) => call<SplitRangeRequest, SplitRangeResponse__Output>((r, o, cb) => a().splitRange(r, o, cb), req, t),
      startSplitMigration: (req, t) => call<StartSplitMigrationRequest, SplitJob__Output>((r, o, cb) => a().startSplitMigration(r, o, cb), req, t),
      getSplitJob: (req, t) => call<GetSplitJobRequest, SplitJob__Output>((r, o, cb) => a().getSplitJob(r, o, cb), req, t),
      listSplitJobs: (req, t) => call<ListSplitJobsRequest, ListSplitJobsResponse__Output>((r, o, cb) => a().listSplitJobs(r, o, cb), req, t),
      abandonSplitJob: (req, t) => call<AbandonSplitJobRequest, SplitJob__Output>((r, o, cb) => a().abandonSplitJob(r, o, cb), req, t),
      verifyRange: (req, t) => call<VerifyRangeRequest, VerifyRangeResponse__Output>((r, o, cb) => a().verifyRange(r, o, cb), req, t),
      repairSplitJob: (req, t) => call<GetSplitJobRequest, SplitJob__Output>((r, o, cb) => a().repairSplitJob(r, o, cb), req, t),
    };
  }

  /** Whether node `id` has a running process (started and not exited). */
  /** The OS process id of node `id` (undefined while it is not running). */
  pid(id: number): number | undefined {
    return this.isUp(id) ? this.nodes.get(id)!.proc!.pid : undefined;
  }

  isUp(id: number): boolean {
    const p = this.nodes.get(id)?.proc;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Node ids with a running process. */
  upNodes(): number[] {
    return [...this.nodes.keys()].filter((id) => this.isUp(id));
  }

  /** One group's status as node `id` reports it (undefined: the node holds no replica of it). */
  async groupStatus(id: number, group: number, timeoutMs = 2000): Promise<GroupStatus__Output | undefined> {
    const s = await this.status(id, timeoutMs);
    return s.groups.find((g) => g.groupId === group);
  }

  /**
   * Waits until node `id` has applied, in every listed group, at least the
   * commit index its leader reported after this call began.
   */
  async waitCaughtUp(id: number, groups: readonly number[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const g of groups) {
      let target: number | undefined;
      await waitFor(
        () => `node ${id} to apply group ${g} up to its leader's commit (${target ?? '?'})`,
        async () => {
          if (target === undefined) {
            const leader = await this.leaderOf(g, Math.max(1, deadline - Date.now()));
            const ls = await this.groupStatus(leader, g);
            if (!ls || ls.role !== 'Leader') return false;
            target = Number(ls.commit);
          }
          const s = await this.groupStatus(id, g);
          return s !== undefined && Number(s.applied) >= target;
        },
        Math.max(1, deadline - Date.now()),
      );
    }
  }

  status(id: number, timeoutMs = 2000): Promise<NodeStatusResponse__Output> {
    const a = this.admin(id);
    return call(a.nodeStatus.bind(a), {}, timeoutMs);
  }

  /** Waits until each listed node sees a leader for every group. */
  async waitForLeaders(ids: number[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // /healthz lists each group's leader: cheap to build, where a NodeStatus of thousands of
    // groups (progress, lock counts, protobuf) is work that slows the very elections awaited.
    const healthTimeoutMs = Math.max(1000, this.groups);
    let last = '';
    for (;;) {
      let ok = true;
      const seen: string[] = [];
      for (const id of ids) {
        const proc = this.nodes.get(id)?.proc;
        if (proc && proc.exitCode !== null && proc.exitCode !== 0 && proc.signalCode === null) {
          // It failed on its own (a bad configuration, say): waiting longer cannot help.
          const logFile = join(this.dir, `n${id}.log`);
          const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
          throw new Error(`node ${id} exited with code ${proc.exitCode} while waiting for leaders: ${tail}; logs in ${this.dir}`);
        }
        try {
          // The gRPC endpoint too: callers go on to use it (a status call used to connect it here).
          const { kv, admin } = this.clientsFor(id);
          for (const client of [kv, admin]) {
            await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + healthTimeoutMs, (e) => (e ? reject(e) : resolve())));
          }
          const res = await fetch(`http://127.0.0.1:${this.httpPort(id)}/healthz`, { signal: AbortSignal.timeout(healthTimeoutMs) });
          const h = (await res.json()) as { groups: unknown[]; leaderlessGroups: number[] };
          const hosted = [...this.voters].filter(([, v]) => v.includes(id)).length;
          seen.push(`node ${id}: ${h.groups.length} groups, ${h.leaderlessGroups.length} without a leader`);
          if (h.groups.length < (this.voters.size > 0 ? hosted : this.groups) || h.leaderlessGroups.length > 0) ok = false;
        } catch (e) {
          seen.push(`node ${id}: ${(e as Error).message}`);
          ok = false;
        }
      }
      if (ok) return;
      last = seen.join('; ');
      if (Date.now() > deadline) throw new Error(`no leader for every group within ${timeoutMs} ms (${last}); logs in ${this.dir}`);
      await sleep(Math.min(1000, Math.max(100, this.groups / 10))); // polling is work for the nodes too
    }
  }

  /** The node leading `group`, as seen by any running node. */
  async leaderOf(group: number, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const id of this.nodes.keys()) {
        if (!this.isUp(id)) continue;
        try {
          const s = await this.status(id, 1000);
          const g = s.groups.find((x) => x.groupId === group);
          if (g && g.role === 'Leader') return id;
        } catch {
          /* node down or starting */
        }
      }
      if (Date.now() > deadline) throw new Error(`group ${group} has no leader within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** An admin call on the default group's leader (job RPCs are served there), retried while leadership settles. */
  async onDefaultLeader<T>(fn: (a: AdminApi) => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    const transient = new Set(['NOT_LEADER', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'OVERLOADED']);
    for (;;) {
      try {
        return await fn(this.adminApi(await this.leaderOf(1)));
      } catch (e) {
        if (!(e instanceof KvError) || !transient.has(e.code) || Date.now() > until) throw e;
        await sleep(100);
      }
    }
  }

  /** Waits until migration job `jobId` is in one of `phases`. */
  async waitJob(jobId: string, phases: readonly string[], timeoutMs = 90_000): Promise<SplitJob__Output> {
    let last: SplitJob__Output | undefined;
    return waitFor(
      () => `job ${jobId} to reach ${phases.join('|')} (last: ${last?.phase} ${last?.lastError ?? ''})`,
      async () => {
        last = await this.onDefaultLeader((a) => a.getSplitJob({ jobId }));
        return phases.includes(last.phase) ? last : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Every MVCC version a group's leader holds in [start, end) (the internal export, VERIFY mode). */
  async versionsIn(group: number, start: string, end: string): Promise<number> {
    const client = new (protos().internal.ferrykv.internal.v1.Internal)(this.address(await this.leaderOf(group)), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    try {
      return await new Promise<number>((resolve, reject) => {
        let n = 0;
        const call = client.exportRangeVersions({ groupId: group, jobId: '0', attempt: 0, mode: 'VERIFY', start: Buffer.from(start), end: Buffer.from(end), chunkBytes: 1 << 20, maxTs: '0' });
        call.on('data', (ch: ExportRangeChunk__Output) => (n += ch.rows.length));
        call.on('end', () => resolve(n));
        call.on('error', reject);
      });
    } finally {
      client.close();
    }
  }

  /** Holds every up node's migrator before it works on a job in `phase` ('' releases it). */
  async pauseMigrationsAt(phase: string): Promise<void> {
    for (const n of this.upNodes()) await this.adminApi(n).setFaults({ faults: [], pauseMigrationAt: phase });
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const p = this.nodes.get(id)!;
    if (!p.proc || p.proc.exitCode !== null) return p.proc?.exitCode ?? null;
    if (signal === 'SIGKILL') p.proc.kill('SIGCONT');
    p.proc.kill(signal);
    const code = await p.exited!;
    this.closeClients(id);
    return code;
  }

  /** Empties node `id`'s data dir (the node must be down): a lost disk. */
  wipe(id: number): void {
    if (this.isUp(id)) throw new Error(`wipe: node ${id} is running`);
    rmSync(join(this.dir, `n${id}`), { recursive: true, force: true });
  }

  /** Resolves with node `id`'s exit code once its process ends (null: killed by a signal). */
  exited(id: number): Promise<number | null> {
    return this.nodes.get(id)!.exited ?? Promise.resolve(null);
  }

  pause(id: number): void {
    this.nodes.get(id)!.proc?.kill('SIGSTOP');
  }

  resume(id: number): void {
    this.nodes.get(id)!.proc?.kill('SIGCONT');
  }

  private closeClients(id: number): void {
    const c = this.clients.get(id);
    c?.kv.close();
    c?.admin.close();
    this.clients.delete(id);
  }

  log(id: number): string {
    try {
      return readFileSync(join(this.dir, `n${id}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  async cleanup(keepOnFailure = false): Promise<void> {
    for (const id of this.nodes.keys()) this.closeClients(id);
    for (const p of this.nodes.values()) {
      if (p.proc && p.proc.exitCode === null && p.proc.signalCode === null) {
        p.proc.kill('SIGCONT');
        p.proc.kill('SIGKILL');
        await p.exited;
      }
    }
    if (!keepOnFailure) rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retries an operation on retryable errors (the SDK's job; tests use this until it exists). */
export async function retry<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const retryable = e instanceof KvError && (e.retryable || e.code === 'DEADLINE_EXCEEDED');
      if (!retryable || Date.now() > deadline) throw e;
      await sleep(Math.min(500, 25 * 2 ** Math.min(attempt, 5)));
    }
  }
}

export const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * Polls `check` until it returns a truthy value (returned) or the deadline
 * passes (throws, naming `what` and the last error seen). Errors thrown by
 * `check` count as "not yet".
 */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | false | undefined | null>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined && v !== null) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const why = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new Error(`timed out after ${Date.now() - started} ms waiting for ${typeof what === 'string' ? what : what()}${why}`);
    }
    await sleep(intervalMs);
  }
}
