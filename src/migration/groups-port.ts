// What the migrator and a source leader need from the groups a move spans:
// one port, so the migrator can run against real groups over gRPC
// (groupsOverRpc) or against fakes in unit tests. Each step's answer carries
// the group's job state, decoded here.

import type { KvCommand, KvResult, MigrationCommand } from '../apply/commands.js';
import type { MigrationRow } from '../apply/rows.js';
import type { ExportRangeRequest } from '../proto-gen/ferrykv/internal/v1/ExportRangeRequest.js';
import type { ExportChunk, GroupClient } from '../rpc/group-client.js';
import { decodeGroupJobState, type GroupJobState } from './group-state.js';

export type { ExportChunk };

export interface DigestLeavesQuery {
  groupId: number;
  digestId: Uint8Array;
  index: number;
  start: Uint8Array;
  end: Uint8Array;
  upToTs: bigint;
  boundaries: readonly Uint8Array[];
  excludeKeys?: readonly Uint8Array[];
}

export interface GroupsPort {
  /** A migration step in the group's log. Refusals (ABORTED, …) throw. */
  command(group: number, m: MigrationCommand): Promise<{ result: KvResult; state: GroupJobState | undefined }>;
  /** The group's state for a job, read on its leader after a read barrier (undefined: none). */
  state(group: number, jobId: number): Promise<GroupJobState | undefined>;
  /** One chunk of rows into the target, from one import cursor to the next. */
  import(group: number, jobId: number, attempt: number, from: Uint8Array, to: Uint8Array, rows: readonly MigrationRow[]): Promise<{ result: KvResult; state: GroupJobState | undefined }>;
  /** Streams an export from the group's leader (one attempt: the caller resumes from its own cursor). */
  export(group: number, req: Omit<ExportRangeRequest, 'groupId'>): AsyncGenerator<ExportChunk>;
  /** Proposes a command (a DIGEST read point) on the group's leader; the applied result and the node that led. */
  propose(group: number, cmd: KvCommand): Promise<{ result: KvResult; leader: number }>;
  /** Merkle leaves of one node's replica at a digest read point. */
  digestLeaves(nodeId: number, req: DigestLeavesQuery): Promise<{ boundaries: Uint8Array[]; hashes: Buffer[] }>;
}

function stateOf(r: KvResult): GroupJobState | undefined {
  return r.stateJson ? decodeGroupJobState(new TextEncoder().encode(r.stateJson)) : undefined;
}

/** The port over the node's gRPC group client. */
export function groupsOverRpc(client: GroupClient): GroupsPort {
  return {
    command: async (group, m) => {
      const { result } = await client.command(group, m);
      return { result, state: stateOf(result) };
    },
    state: async (group, jobId) => stateOf(await client.jobState(group, jobId)),
    import: async (group, jobId, attempt, from, to, rows) => {
      const { result } = await client.import(group, jobId, attempt, from, to, rows);
      return { result, state: stateOf(result) };
    },
    export: (group, req) => client.export(group, req),
    propose: (group, cmd) => client.propose(group, cmd),
    digestLeaves: (nodeId, req) => client.digestLeaves(nodeId, req),
  };
}
