// RawKV commands as they travel through a group's raft log, and their results.
// Encoded with protobuf (proto/internal.proto KvCommand / KvResult), version-tagged.

import { messageType } from '../rpc/protos.js';

export const COMMAND_VERSION = 1;

export type CommandKind = 'WRITE' | 'DELETE_RANGE' | 'CAS' | 'BUMP_TS' | 'DEDUP_GC';

export interface KvWrite {
  readonly key: Uint8Array;
  /** null: delete (tombstone). */
  readonly value: Uint8Array | null;
}

export interface KvCommand {
  readonly kind: CommandKind;
  readonly requestId: Uint8Array;
  readonly proposedTs: bigint;
  readonly writes?: readonly KvWrite[];
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
  readonly maxKeys?: number;
  readonly key?: Uint8Array;
  readonly expected?: Uint8Array;
  readonly expectAbsent?: boolean;
  readonly value?: Uint8Array;
  readonly ts?: bigint;
}

export interface KvResult {
  readonly commitTs: bigint;
  readonly succeeded: boolean;
  readonly currentFound: boolean;
  readonly current: Uint8Array;
  readonly deleted: number;
  readonly resumeKey: Uint8Array;
  readonly more: boolean;
}

export const EMPTY_RESULT: KvResult = {
  commitTs: 0n,
  succeeded: true,
  currentFound: false,
  current: new Uint8Array(0),
  deleted: 0,
  resumeKey: new Uint8Array(0),
  more: false,
};

let types: { cmd: ReturnType<typeof messageType>; res: ReturnType<typeof messageType> } | undefined;
function t(): { cmd: ReturnType<typeof messageType>; res: ReturnType<typeof messageType> } {
  types ??= {
    cmd: messageType('internal.proto', 'ferrykv.internal.v1.KvCommand'),
    res: messageType('internal.proto', 'ferrykv.internal.v1.KvResult'),
  };
  return types;
}

const bytesOrEmpty = (b: Uint8Array | undefined): Uint8Array => b ?? new Uint8Array(0);

export function encodeCommand(c: KvCommand): Uint8Array {
  const { cmd } = t();
  return cmd
    .encode(
      cmd.fromObject({
        version: COMMAND_VERSION,
        requestId: c.requestId,
        proposedTs: c.proposedTs.toString(),
        kind: c.kind,
        writes: (c.writes ?? []).map((w) => ({ key: w.key, value: bytesOrEmpty(w.value ?? undefined), tombstone: w.value === null })),
        start: bytesOrEmpty(c.start),
        end: bytesOrEmpty(c.end),
        maxKeys: c.maxKeys ?? 0,
        key: bytesOrEmpty(c.key),
        expected: bytesOrEmpty(c.expected),
        expectAbsent: c.expectAbsent ?? false,
        value: bytesOrEmpty(c.value),
        ts: (c.ts ?? 0n).toString(),
      }),
    )
    .finish();
}

interface RawCommand {
  version: number;
  requestId: Uint8Array;
  proposedTs: string;
  kind: CommandKind;
  writes: { key: Uint8Array; value: Uint8Array; tombstone: boolean }[];
  start: Uint8Array;
  end: Uint8Array;
  maxKeys: number;
  key: Uint8Array;
  expected: Uint8Array;
  expectAbsent: boolean;
  value: Uint8Array;
  ts: string;
}

export function decodeCommand(b: Uint8Array): KvCommand {
  const { cmd } = t();
  const o = cmd.toObject(cmd.decode(b), { longs: String, enums: String, defaults: true }) as RawCommand;
  if (o.version !== COMMAND_VERSION) throw new Error(`unknown KV command version ${o.version}`);
  return {
    kind: o.kind,
    requestId: o.requestId,
    proposedTs: BigInt(o.proposedTs),
    writes: o.writes.map((w) => ({ key: w.key, value: w.tombstone ? null : w.value })),
    start: o.start,
    end: o.end,
    maxKeys: o.maxKeys,
    key: o.key,
    expected: o.expected,
    expectAbsent: o.expectAbsent,
    value: o.value,
    ts: BigInt(o.ts),
  };
}

export function encodeResult(r: KvResult): Uint8Array {
  const { res } = t();
  return res.encode(res.fromObject({ ...r, commitTs: r.commitTs.toString() })).finish();
}

export function decodeResult(b: Uint8Array): KvResult {
  const { res } = t();
  const o = res.toObject(res.decode(b), { longs: String, defaults: true }) as Omit<KvResult, 'commitTs' | 'deleted'> & {
    commitTs: string;
    deleted: string | number;
  };
  return { ...o, commitTs: BigInt(o.commitTs), deleted: Number(o.deleted) };
}
