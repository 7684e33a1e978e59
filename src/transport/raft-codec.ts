// Binary encoding of raft messages for the node-to-node stream.
//
// Hand-written rather than protobuf: a raft batch is the hottest message in
// the system and this layout encodes with one allocation and no per-field
// objects. Layout (big-endian), after a format version byte:
//   group u32 · type u8 · to u32 · from u32 · term u53 · logTerm u53 · index u53
//   commit u53 · reject u8 · rejectHint u53 · sentTick u53 · context (u16 len + utf8)
//   entries (u32 count; each term u53 · index u53 · type u8 · u32 len + data)
//   snapshot (u8 present; meta as in raft-log-store, length-prefixed; data is never
//   inlined: snapshots stream separately)

import { EntryType, MessageType, type Entry, type Message, type NodeId, type Snapshot } from '../raft/index.js';
import { decodeSnapshotMeta, encodeSnapshotMeta } from '../storage/raft-log-store.js';

const FORMAT_V1 = 1;

const TYPES: MessageType[] = [
  MessageType.Hup,
  MessageType.Beat,
  MessageType.Prop,
  MessageType.App,
  MessageType.AppResp,
  MessageType.Vote,
  MessageType.VoteResp,
  MessageType.PreVote,
  MessageType.PreVoteResp,
  MessageType.Snap,
  MessageType.SnapStatus,
  MessageType.Heartbeat,
  MessageType.HeartbeatResp,
  MessageType.Unreachable,
  MessageType.TransferLeader,
  MessageType.TimeoutNow,
  MessageType.ReadIndex,
  MessageType.ReadIndexResp,
  MessageType.CheckQuorum,
];
const TYPE_CODE = new Map(TYPES.map((t, i) => [t, i]));

const enc = new TextEncoder();
const dec = new TextDecoder();

class Writer {
  buf: Uint8Array;
  view: DataView;
  o = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  u8(n: number): void {
    this.view.setUint8(this.o, n);
    this.o += 1;
  }
  u16(n: number): void {
    this.view.setUint16(this.o, n);
    this.o += 2;
  }
  u32(n: number): void {
    this.view.setUint32(this.o, n);
    this.o += 4;
  }
  u53(n: number): void {
    this.view.setUint32(this.o, Math.floor(n / 0x100000000));
    this.view.setUint32(this.o + 4, n >>> 0);
    this.o += 8;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.o);
    this.o += b.byteLength;
  }
}

class Reader {
  private readonly view: DataView;
  o = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u8(): number {
    return this.view.getUint8(this.o++);
  }
  u16(): number {
    const v = this.view.getUint16(this.o);
    this.o += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.o);
    this.o += 4;
    return v;
  }
  u53(): number {
    const v = this.view.getUint32(this.o) * 0x100000000 + this.view.getUint32(this.o + 4);
    this.o += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.o + n > this.buf.byteLength) throw new RangeError('raft message truncated');
    const b = this.buf.subarray(this.o, this.o + n);
    this.o += n;
    return b;
  }
}

export interface GroupMessage {
  readonly group: number;
  readonly message: Message;
}

export function encodeRaftMessage(group: number, m: Message): Uint8Array {
  const ctx = enc.encode(m.context);
  const meta = m.snapshot ? encodeSnapshotMeta(m.snapshot.meta) : undefined;
  let size = 1 + 4 + 1 + 4 + 4 + 8 * 7 + 1 + 2 + ctx.byteLength + 4 + 1 + (meta ? 4 + meta.byteLength : 0);
  for (const e of m.entries) size += 8 + 8 + 1 + 4 + e.data.byteLength;
  const w = new Writer(size);
  w.u8(FORMAT_V1);
  w.u32(group);
  w.u8(TYPE_CODE.get(m.type)!);
  w.u32(m.to);
  w.u32(m.from);
  w.u53(m.term);
  w.u53(m.logTerm);
  w.u53(m.index);
  w.u53(m.commit);
  w.u8(m.reject ? 1 : 0);
  w.u53(m.rejectHint);
  w.u53(Math.max(0, m.sentTick));
  w.u16(ctx.byteLength);
  w.bytes(ctx);
  w.u32(m.entries.length);
  for (const e of m.entries) {
    w.u53(e.term);
    w.u53(e.index);
    w.u8(e.type);
    w.u32(e.data.byteLength);
    w.bytes(e.data);
  }
  if (meta) {
    w.u8(1);
    w.u32(meta.byteLength);
    w.bytes(meta);
  } else {
    w.u8(0);
  }
  return w.buf;
}

/** Decodes one message; throws RangeError on malformed input (never trusts lengths). */
export function decodeRaftMessage(b: Uint8Array): GroupMessage {
  const r = new Reader(b);
  const version = r.u8();
  if (version !== FORMAT_V1) throw new RangeError(`unknown raft message format ${version}`);
  const group = r.u32();
  const type = TYPES[r.u8()];
  if (type === undefined) throw new RangeError('unknown raft message type');
  const to = r.u32() as NodeId;
  const from = r.u32() as NodeId;
  const term = r.u53();
  const logTerm = r.u53();
  const index = r.u53();
  const commit = r.u53();
  const reject = r.u8() === 1;
  const rejectHint = r.u53();
  const sentTick = r.u53();
  const context = dec.decode(r.bytes(r.u16()));
  const n = r.u32();
  if (n > b.byteLength) throw new RangeError('raft message entry count exceeds its size');
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const eterm = r.u53();
    const eindex = r.u53();
    const etype = r.u8() === (EntryType.ConfChange as number) ? EntryType.ConfChange : EntryType.Normal;
    const data = r.bytes(r.u32()).slice();
    entries.push({ term: eterm, index: eindex, type: etype, data });
  }
  let snapshot: Snapshot | undefined;
  if (r.u8() === 1) snapshot = { meta: decodeSnapshotMeta(r.bytes(r.u32())), data: new Uint8Array(0) };
  const message: Message = {
    type,
    to,
    from,
    term,
    logTerm,
    index,
    commit,
    reject,
    rejectHint,
    sentTick,
    context,
    entries,
    ...(snapshot ? { snapshot } : {}),
  };
  return { group, message };
}
