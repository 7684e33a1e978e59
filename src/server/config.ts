// Node configuration: one typed object, built from command-line flags and a
// cluster file, validated at start-up with one clear message per bad field.
// Defaults are documented in docs/operations.md.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface ClusterNode {
  readonly id: number;
  /** gRPC address, host:port. */
  readonly address: string;
  /** HTTP address for /metrics and /healthz, host:port (optional). */
  readonly http?: string;
  /** etcd-compatible client address, host:port (optional; docs/etcd-compat.md). */
  readonly etcd?: string;
}

export interface ClusterGroup {
  readonly id: number;
  readonly voters: readonly number[];
}

export interface ClusterRoute {
  /** UTF-8 key where the route starts ('' = the beginning). */
  readonly start: string;
  /** UTF-8 key where it ends, exclusive ('' = +∞). */
  readonly end: string;
  readonly group: number;
}

export interface ClusterFile {
  readonly nodes: readonly ClusterNode[];
  readonly groups: readonly ClusterGroup[];
  readonly routes: readonly ClusterRoute[];
}

export interface NodeConfig {
  readonly nodeId: number;
  readonly listen: string;
  readonly http: string | undefined;
  /** Where the etcd-compatible endpoint listens (docs/etcd-compat.md); undefined: off. */
  readonly etcdListen: string | undefined;
  readonly dataDir: string;
  readonly cluster: ClusterFile;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly compactLogEntries: number;
  /** Compaction keeps the entries of the last this many ms (up to 8× compactLogEntries): a short outage catches up from the log. */
  readonly logRetainMs: number;
  readonly snapshotBytesPerSec: number;
  readonly requestTimeoutMs: number;
  readonly dedupRetentionMs: number;
  /** MVCC versions shadowed for longer than this are collected (reads below the safe point fail). */
  readonly gcRetentionMs: number;
  /** A migration job with no progress for this long is reported stalled. */
  readonly migrationStallAfterMs: number;
  /** Bytes/s of migration copying this node exports, across all jobs (0: unlimited). */
  readonly migrationRateLimit: number;
  /** Background replica checks of the groups this node leads, every this many ms (0: off). */
  readonly consistencyCheckIntervalMs: number;
  /** Bytes/s each replica scans for background checks (0: unlimited). */
  readonly consistencyCheckRateLimit: number;
  /** A transaction lock's life without a heartbeat (then readers and the resolver may roll it back). */
  readonly txnLockTtlMs: number;
  /** How often each group leader looks for expired locks. */
  readonly txnResolverIntervalMs: number;
  /** The most clocks of two nodes may differ: transactional reads restart on versions this close above them. */
  readonly maxClockOffsetMs: number;
  /** Client and peer timestamps further than this ahead of the wall clock are refused (the HLC never moves past wall + this by a request). */
  readonly maxClockDriftMs: number;
  readonly logLevel: string;
  readonly testHooks: boolean;
  /** Start as the replacement of this node id on an empty data dir (docs/operations.md, "A lost disk"). */
  readonly replaceNode: boolean;
  /** Idle groups stop being ticked (src/node/quiescence.ts). */
  readonly quiesce: boolean;
  /** An idle node runs a full garbage collection of its own (src/runtime/idle-gc.ts). */
  readonly idleGc: boolean;
  /** Groups with ids up to this get their own metric series; the rest are summed under group="other" (bounded cardinality). */
  readonly metricsGroupSeries: number;
  /** etcd's --max-txn-ops: compares or operations per branch of an etcd Txn. */
  readonly etcdMaxTxnOps: number;
  /** etcd's --max-request-bytes: the largest etcd request accepted. */
  readonly etcdMaxRequestBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface RawOptions {
  nodeId?: string;
  cluster?: string;
  dataDir?: string;
  listen?: string;
  http?: string;
  etcdListen?: string;
  etcdMaxTxnOps?: string;
  etcdMaxRequestBytes?: string;
  tickMs?: string;
  electionTicks?: string;
  compactLogEntries?: string;
  logRetainMs?: string;
  snapshotBytesPerSec?: string;
  requestTimeoutMs?: string;
  dedupRetentionMs?: string;
  gcRetentionMs?: string;
  migrationStallAfterMs?: string;
  migrationRateLimit?: string;
  consistencyCheckIntervalMs?: string;
  consistencyCheckRateLimit?: string;
  txnLockTtlMs?: string;
  txnResolverIntervalMs?: string;
  maxClockOffsetMs?: string;
  maxClockDriftMs?: string;
  metricsGroupSeries?: string;
  logLevel?: string;
  replaceNode?: boolean;
  /** commander's --no-quiesce sets this false. */
  quiesce?: boolean;
  /** commander's --no-idle-gc sets this false. */
  idleGc?: boolean;
}

export const DEFAULTS = {
  tickMs: 100,
  electionTicks: 10,
  compactLogEntries: 10_000,
  logRetainMs: 60_000,
  snapshotBytesPerSec: 64 << 20,
  requestTimeoutMs: 10_000,
  dedupRetentionMs: 600_000,
  gcRetentionMs: 600_000,
  migrationStallAfterMs: 60_000,
  migrationRateLimit: 0,
  consistencyCheckIntervalMs: 0,
  consistencyCheckRateLimit: 8 << 20,
  txnLockTtlMs: 3000,
  txnResolverIntervalMs: 2000,
  maxClockOffsetMs: 50,
  maxClockDriftMs: 500,
  metricsGroupSeries: 100,
  etcdMaxTxnOps: 128,
  etcdMaxRequestBytes: 1.5 * (1 << 20),
  logLevel: 'info',
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function isLoopback(address: string): boolean {
  const host = splitHostPort(address)?.host;
  if (!host) return false;
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 0 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

/** Validates a parsed cluster file; returns the problems found (empty: valid). */
export function checkCluster(c: unknown): string[] {
  const problems: string[] = [];
  if (typeof c !== 'object' || c === null) return ['cluster file: must be a JSON object with nodes, groups and routes'];
  const raw = c as Record<string, unknown>;
  const list = <T>(v: unknown): readonly T[] | undefined => (Array.isArray(v) ? (v as T[]) : undefined);
  const f = { nodes: list<ClusterNode>(raw.nodes), groups: list<ClusterGroup>(raw.groups), routes: list<ClusterRoute>(raw.routes) };
  const nodeIds = new Set<number>();
  if (!f.nodes || f.nodes.length === 0) problems.push('cluster.nodes: must list at least one node');
  else
    f.nodes.forEach((n, i) => {
      // Transaction start timestamps carry the node id in their low 8 bits (src/kv/txn.ts), so ids stay below 256.
      if (!Number.isInteger(n?.id) || n.id <= 0 || n.id > 255) problems.push(`cluster.nodes[${i}].id: must be an integer from 1 to 255`);
      else if (nodeIds.has(n.id)) problems.push(`cluster.nodes[${i}].id: duplicate node id ${n.id}`);
      else nodeIds.add(n.id);
      if (typeof n?.address !== 'string' || !splitHostPort(n.address)) problems.push(`cluster.nodes[${i}].address: must be host:port`);
      else {
        const twin = f.nodes!.findIndex((m) => m?.address === n.address);
        if (twin < i) problems.push(`cluster.nodes[${i}].address: ${n.address} is also node ${f.nodes![twin]!.id}'s address (each node needs its own)`);
      }
      if (n?.http !== undefined && (typeof n.http !== 'string' || !splitHostPort(n.http))) problems.push(`cluster.nodes[${i}].http: must be host:port`);
      if (n?.etcd !== undefined && (typeof n.etcd !== 'string' || !splitHostPort(n.etcd))) problems.push(`cluster.nodes[${i}].etcd: must be host:port`);
    });
  const groupIds = new Set<number>();
  if (!f.groups || f.groups.length === 0) problems.push('cluster.groups: must list at least one group');
  else
    f.groups.forEach((g, i) => {
      if (!Number.isInteger(g?.id) || g.id <= 0) problems.push(`cluster.groups[${i}].id: must be a positive integer`);
      else if (groupIds.has(g.id)) problems.push(`cluster.groups[${i}].id: duplicate group id ${g.id}`);
      else groupIds.add(g.id);
      const voters = list<number>(g?.voters);
      if (!voters || voters.length === 0) problems.push(`cluster.groups[${i}].voters: must list at least one node`);
      else {
        for (const v of voters) if (!nodeIds.has(v)) problems.push(`cluster.groups[${i}].voters: node ${v} is not in cluster.nodes`);
        if (new Set(voters).size !== voters.length) problems.push(`cluster.groups[${i}].voters: a node is listed twice`);
      }
    });
  if (!groupIds.has(1) && groupIds.size > 0) problems.push('cluster.groups: group 1 (the default group) is required');
  if (!f.routes || f.routes.length === 0) problems.push('cluster.routes: must list at least one route');
  else {
    f.routes.forEach((r, i) => {
      if (typeof r?.start !== 'string' || typeof r?.end !== 'string') problems.push(`cluster.routes[${i}]: start and end must be strings`);
      if (!groupIds.has(r?.group)) problems.push(`cluster.routes[${i}].group: group ${r?.group} is not in cluster.groups`);
    });
    const sorted = [...f.routes].filter((r) => typeof r?.start === 'string').sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    if (sorted.length > 0 && sorted[0]!.start !== '') problems.push('cluster.routes: the first route must start at "" (the beginning of the key space)');
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i]!;
      const next = sorted[i + 1];
      if (next && r.end !== next.start) problems.push(`cluster.routes: route ending at "${r.end}" must be followed by one starting there (found "${next.start}")`);
      if (!next && r.end !== '') problems.push('cluster.routes: the last route must end at "" (+∞)');
      if (r.end !== '' && r.start >= r.end) problems.push(`cluster.routes: route "${r.start}".."${r.end}" is empty or inverted`);
    }
  }
  return problems;
}

function intOption(problems: string[], flag: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${flag}: must be an integer from ${min} to ${max} (got "${raw}")`);
    return def;
  }
  return n;
}

type Tunable = Exclude<keyof typeof DEFAULTS, 'logLevel'>;
const DAY = 24 * 3600 * 1000;

/** Every numeric flag: its range (integers; out of range is a problem listed with the others). */
const TUNABLES: readonly (readonly [Tunable, string, number, number])[] = [
  ['tickMs', '--tick-ms', 1, 10_000],
  ['electionTicks', '--election-ticks', 3, 1000],
  ['compactLogEntries', '--compact-log-entries', 2, 100_000_000],
  ['logRetainMs', '--log-retain-ms', 0, DAY],
  ['snapshotBytesPerSec', '--snapshot-bytes-per-sec', 0, 2 ** 40],
  ['requestTimeoutMs', '--request-timeout-ms', 10, 600_000],
  ['gcRetentionMs', '--gc-retention-ms', 1000, 30 * DAY],
  ['dedupRetentionMs', '--dedup-retention-ms', 1000, 7 * DAY],
  ['migrationStallAfterMs', '--migration-stall-after-ms', 1000, DAY],
  ['migrationRateLimit', '--migration-rate-limit', 0, 2 ** 40],
  ['consistencyCheckIntervalMs', '--consistency-check-interval-ms', 0, 30 * DAY],
  ['consistencyCheckRateLimit', '--consistency-check-rate-limit', 0, 2 ** 40],
  ['txnLockTtlMs', '--txn-lock-ttl-ms', 100, 600_000],
  ['txnResolverIntervalMs', '--txn-resolver-interval-ms', 100, 3_600_000],
  ['maxClockOffsetMs', '--max-clock-offset-ms', 0, 10_000],
  // Below MAX_COMMAND_AHEAD (10 s, src/apply/clock-bound.ts): apply must accept what the API lets through.
  ['maxClockDriftMs', '--max-clock-drift-ms', 1, 5000],
  ['metricsGroupSeries', '--metrics-group-series', 0, 100_000],
  ['etcdMaxTxnOps', '--etcd-max-txn-ops', 1, 100_000],
  // Up to the gRPC message bound every server has (src/api/protos.ts).
  ['etcdMaxRequestBytes', '--etcd-max-request-bytes', 1024, 16 << 20],
];

function tunables(problems: string[], raw: RawOptions): Record<Tunable, number> {
  const out = { ...DEFAULTS } as Record<Tunable, number> & { logLevel?: string };
  delete out.logLevel;
  for (const [key, flag, min, max] of TUNABLES) out[key] = intOption(problems, flag, raw[key], DEFAULTS[key], min, max);
  if (out.maxClockDriftMs < out.maxClockOffsetMs) problems.push(`--max-clock-drift-ms: must be at least --max-clock-offset-ms (${out.maxClockOffsetMs})`);
  return out;
}

/** The cluster file, checked (an empty one when it cannot be read; the problems say why). */
function readCluster(problems: string[], path: string | undefined): ClusterFile {
  if (!path) {
    problems.push('--cluster: required (path to the cluster JSON file)');
    return { nodes: [], groups: [], routes: [] };
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const p = checkCluster(parsed);
    problems.push(...p.map((x) => `${path}: ${x}`));
    if (p.length === 0) return parsed as ClusterFile;
  } catch (e) {
    problems.push(`--cluster: cannot read ${path}: ${(e as Error).message}`);
  }
  return { nodes: [], groups: [], routes: [] };
}

/** Builds and validates the node configuration; throws ConfigError listing every problem. */
export function buildConfig(raw: RawOptions, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const problems: string[] = [];
  const nodeId = intOption(problems, '--node-id', raw.nodeId, 0, 1, 0xffffffff);
  if (raw.nodeId === undefined) problems.push('--node-id: required');
  const cluster = readCluster(problems, raw.cluster);
  const me = cluster.nodes.find((n) => n.id === nodeId);
  if (cluster.nodes.length > 0 && !me && nodeId > 0) problems.push(`--node-id: node ${nodeId} is not listed in the cluster file`);
  const listen = raw.listen ?? me?.address ?? '';
  // Without --listen the address comes from the cluster file: if the node is not found there, that is the problem reported.
  if ((raw.listen !== undefined || me) && !splitHostPort(listen)) problems.push(`--listen: must be host:port (got "${listen}")`);
  const http = raw.http ?? me?.http;
  if (http !== undefined && http !== '' && !splitHostPort(http)) problems.push(`--http: must be host:port or empty (got "${http}")`);
  const etcd = raw.etcdListen ?? me?.etcd;
  if (etcd !== undefined && etcd !== '' && !splitHostPort(etcd)) problems.push(`--etcd-listen: must be host:port or empty (got "${etcd}")`);
  if (!raw.dataDir) problems.push('--data-dir: required');
  const tuned = tunables(problems, raw);
  const logLevel = raw.logLevel ?? DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`--log-level: must be one of ${LOG_LEVELS.join(', ')}`);
  const testHooks = env.FERRYKV_TEST_HOOKS === '1';
  if (testHooks && listen && splitHostPort(listen) && !isLoopback(listen)) {
    problems.push(`FERRYKV_TEST_HOOKS=1: test hooks are refused on a non-loopback address (${listen})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { nodeId, listen, http: http === '' ? undefined : http, etcdListen: etcd === '' ? undefined : etcd, dataDir: raw.dataDir!, cluster, ...tuned, logLevel, testHooks, replaceNode: raw.replaceNode === true, quiesce: raw.quiesce !== false, idleGc: raw.idleGc !== false };
}
