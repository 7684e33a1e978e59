// The shapes ferryctl prints with --json, one per command, exactly as printed:
// the commands build their JSON as these types, and the integration tests
// parse the CLI's output with them. uint64 values are decimal strings; keys
// are escaped as `ferryctl routes list --help` says, with the raw bytes in hex
// beside them ("startHex"). A command that fails prints `ErrorJson` instead.

import type { KvErrorCode, KvErrorDetail } from '../../src/api/errors.js';
import type { MembershipResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/MembershipResponse.js';
import type { NodeStatusResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { TransferLeaderResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/TransferLeaderResponse.js';

// ---- errors (every command)

/** Bytes as JSON.stringify writes them: a Uint8Array as {"0": b0, "1": b1, …}, a Buffer as {"type": "Buffer", "data": [b0, …]}. */
export type BytesJson = Record<string, number> | { type: 'Buffer'; data: number[] };

/** A value of an error's detail as printed: bigint as a decimal string, bytes as JSON.stringify writes them. */
type DetailValueJson<T> = T extends bigint ? string : T extends Uint8Array ? BytesJson : T;

/** The error's typed detail, spread beside its code and message (only the fields the error has). */
export type ErrorDetailJson = { -readonly [K in keyof KvErrorDetail]: DetailValueJson<KvErrorDetail[K]> };

/** Any command that fails (with --json, on stdout): e.g. {"error": {"code": "INVALID_ARGUMENT", "message", "field", "reason"}}. */
export interface ErrorJson {
  error: { code: KvErrorCode; message: string } & ErrorDetailJson;
}

// ---- status

/** `status`: each answering endpoint's NodeStatus as the admin API returns it, and the endpoints that did not answer. */
export interface StatusJson {
  nodes: NodeStatusResponse__Output[];
  unreachable: string[];
}

// ---- keys: get, put, del, scan

/** `get` of a key that exists (the value as UTF-8 text). */
export interface GetFoundJson {
  key: string;
  found: true;
  value: string;
  versionTs: string;
}

/** `get` of a key that does not exist (exit 3). */
export interface GetNotFoundJson {
  key: string;
  found: false;
}

export type GetJson = GetFoundJson | GetNotFoundJson;

/** `put` and `del`: the write's commit timestamp. */
export interface WriteJson {
  key: string;
  commitTs: string;
}

export interface ScanRowJson {
  key: string;
  value: string;
  versionTs: string;
}

/** `scan`: the rows in order (key and value as UTF-8 text). */
export interface ScanJson {
  rows: ScanRowJson[];
}

/** `watch`: one line per change (value only for a put; prev with --prev: null if the key had none). */
export interface WatchEventJson {
  type: 'put' | 'delete';
  key: string;
  commitTs: string;
  value?: string;
  prev?: string | null;
}

/** `watch --progress`: every change at or below this timestamp was printed. */
export interface WatchProgressJson {
  resolvedTs: string;
}

// ---- members, transfer-leader

/** `members add|promote|remove`: the group's configuration after the change, as the admin API returns it. */
export type MembersJson = MembershipResponse__Output;

/** `transfer-leader`: the group's leader after the transfer, as the admin API returns it. */
export type TransferLeaderJson = TransferLeaderResponse__Output;

// ---- routes

/** A route of the catalog: the range [start, end) ("" end: +infinity) and the group serving it. */
export interface RouteJson {
  routeId: string;
  start: string;
  startHex: string;
  end: string;
  endHex: string;
  groupId: number;
  /** `routes list` only: the group's leader as the answering node last saw it, null if it does not know. */
  leader?: number | null;
  state: string;
  version: string;
}

/** `routes list`: the catalog at `version`, as node `nodeId` answered (from its own applied copy when `local`). */
export interface RoutesListJson {
  version: string;
  nodeId: number;
  local: boolean;
  routes: RouteJson[];
}

/** `routes split`: the two routes around the split key (without "leader"), null where the node did not report one. */
export interface RoutesSplitJson {
  splitKey: string;
  splitKeyHex: string;
  version: string;
  alreadySplit: boolean;
  left: RouteJson | null;
  right: RouteJson | null;
}

// ---- job

/**
 * A migration job (`job start`, `job get`, each line of `job watch --json`):
 * the SplitJob message field for field, its keys shown as text and hex.
 * In progress, estimatedBytes "0" is unknown and etaMs "-1" is unknown.
 */
export type JobJson = Omit<SplitJob__Output, 'start' | 'end'> & { start: string; startHex: string; end: string; endHex: string };

/** `job list`: jobs in id order; `more` says --limit cut the list short (then `nextAfterJobId` is the last id printed, else "0"). */
export interface JobListJson {
  jobs: JobJson[];
  more: boolean;
  nextAfterJobId: string;
}

/** `job abandon`: whether the abandon was recorded or the job had already ended (unchanged). */
export interface JobAbandonJson {
  outcome: 'abandon-requested' | 'already-ended';
  job: JobJson;
}

// ---- verify

/** CONSISTENT: every replica agrees; INCONSISTENT: some differ; UNVERIFIED: no verdict (a node, the group or a replica did not answer). */
export type VerifyStatus = 'CONSISTENT' | 'INCONSISTENT' | 'UNVERIFIED';

/** A key range [start, end), escaped and in hex ("" end: +infinity). */
export interface KeyRangeJson {
  start: string;
  startHex: string;
  end: string;
  endHex: string;
}

/** One replica's Merkle root (hex) over the range; `error` "" when it answered. */
export interface ReplicaJson {
  nodeId: number;
  root: string;
  leaves: number;
  bytes: string;
  error: string;
}

/** A version that differs: missing (the reference has it, `nodeId` not), extra (the other way), changed (another value). */
export interface DifferingKeyJson {
  key: string;
  keyHex: string;
  ts: string;
  nodeId: number;
  kind: string;
}

export interface VerifyReportJson {
  consistent: boolean;
  referenceNodeId: number;
  replicas: ReplicaJson[];
  differingRanges: KeyRangeJson[];
  differingKeys: DifferingKeyJson[];
  keysTruncated: boolean;
  durationMs: string;
  bytesScanned: string;
  index: string;
  nodesCompared: number;
}

/** One group's verification: `node` is the endpoint that ran it; `report` null (with `error`) when there is none. */
export interface VerifyGroupJson {
  groupId: number;
  status: VerifyStatus;
  node: string | null;
  error: { code: KvErrorCode; message: string } | null;
  report: VerifyReportJson | null;
}

/** `verify`: the verdict over the groups verified; `readTs` "0" is all versions. */
export interface VerifyJson {
  consistent: boolean;
  inconsistentGroups: number[];
  unverifiedGroups: number[];
  unreachable: string[];
  range: KeyRangeJson;
  readTs: string;
  groups: VerifyGroupJson[];
}
