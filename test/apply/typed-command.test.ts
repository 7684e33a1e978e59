// A command kind a plane defines on its own (defineCommand + typedHandler,
// src/apply/commands.ts and handler.ts): the whole definition below is what a
// new kind's file holds, and registering it on the group machine is the only
// other change — the envelope, the proto and the shell stay as they are
// (docs/architecture.md "Adding a command kind").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timestamps } from '../../src/apply/clock-bound.js';
import { EMPTY_RESULT, commandOf, decodeCommand, defineCommand, encodeCommand, peekKind, type KvCommand, type KvResult } from '../../src/apply/commands.js';
import { typedHandler } from '../../src/apply/handler.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { makeTimestamp } from '../../src/hlc/hlc.js';
import { EntryType } from '../../src/raft/index.js';
import { GroupState } from '../../src/server/group-state.js';
import { NodeDb } from '../../src/storage/db.js';
import { readU64, u64 } from '../../src/storage/keys.js';

// ---- the new kind's file: TOUCH raises the group clock to `ts` unless it is already past it.
const TOUCH = defineCommand<{ ts: bigint }>('TOUCH', {
  encode: (p) => u64(p.ts),
  decode: (b) => {
    if (b.byteLength !== 8) throw new Error(`want 8 bytes, got ${b.byteLength}`);
    return { ts: readU64(b, 0) };
  },
});
const touchHandler = typedHandler(TOUCH, {
  declare: (p) => ({ reads: 'none', writes: 'none', timestamps: timestamps(['ts', p.ts]), dedup: { start: new Uint8Array(0), end: new Uint8Array(0) } }),
  apply({ machine }, p) {
    const moved = p.ts > machine.maxTs;
    if (moved) machine.maxTs = p.ts;
    return { ...EMPTY_RESULT, succeeded: moved, commitTs: machine.maxTs };
  },
});
// ---- end of the new kind's file.

const NOW = makeTimestamp(1_800_000_000_000);

describe('a command kind defined by its plane', () => {
  let dir: string;
  let db: NodeDb;
  let sm: GroupState;
  let index = 1;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrykv-typed-'));
    db = await NodeDb.open(dir);
    const b = db.batch();
    GroupState.writeBootstrap(b, 2, { owned: new OwnershipMap([{ start: new Uint8Array(0), end: new Uint8Array(0), state: 'owned' }]) });
    await b.write({ sync: false });
    sm = await GroupState.open(db, 2);
    index = 1;
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const apply = async (c: KvCommand): Promise<KvResult> => {
    const i = ++index;
    return (await sm.applyEntries([{ index: i, term: 1, type: EntryType.Normal, data: encodeCommand(c) }])).get(i)!;
  };

  it('travels in the envelope unchanged', () => {
    const c = commandOf(TOUCH, { ts: NOW + 7n }, { requestId: new Uint8Array([1, 2]), proposedTs: NOW });
    const back = decodeCommand(encodeCommand(c));
    expect(back.kind).toBe('TOUCH');
    expect(back.proposedTs).toBe(NOW);
    expect(Buffer.from(back.requestId)).toEqual(Buffer.from([1, 2]));
    expect(TOUCH.decode(back.payload!)).toEqual({ ts: NOW + 7n });
  });

  it('is refused by a group that has no handler for it, and applies once registered', async () => {
    const c = commandOf(TOUCH, { ts: NOW + 7n }, { proposedTs: NOW });
    const before = await apply(c);
    expect(before.errorCode).toBe('INVALID_ARGUMENT');
    expect(before.errorMessage).toMatch(/applies no TOUCH commands/);
    expect(sm.maxTs).toBe(0n);

    sm.machine.register(touchHandler);
    const res = await apply(c);
    expect(res).toMatchObject({ succeeded: true, commitTs: NOW + 7n });
    expect(sm.maxTs).toBe(NOW + 7n);
    expect(await apply(commandOf(TOUCH, { ts: NOW }, { proposedTs: NOW }))).toMatchObject({ succeeded: false, commitTs: NOW + 7n });
  });

  it('gets the shell’s rules from its footprint: the clock bound and request-id dedup', async () => {
    sm.machine.register(touchHandler);
    const far = await apply(commandOf(TOUCH, { ts: NOW + (3_600_000n << 16n) }, { proposedTs: NOW }));
    expect(far.errorCode).toBe('INVALID_ARGUMENT');
    expect(far.errorMessage).toMatch(/timestamp out of bounds/);
    expect(sm.maxTs).toBe(0n);

    const rid = new Uint8Array([9]);
    expect(await apply(commandOf(TOUCH, { ts: NOW + 1n }, { requestId: rid, proposedTs: NOW }))).toMatchObject({ succeeded: true, commitTs: NOW + 1n });
    await apply(commandOf(TOUCH, { ts: NOW + 5n }, { proposedTs: NOW }));
    // The same request id again answers the stored result and changes nothing.
    expect(await apply(commandOf(TOUCH, { ts: NOW + 9n }, { requestId: rid, proposedTs: NOW }))).toMatchObject({ succeeded: true, commitTs: NOW + 1n });
    expect(sm.maxTs).toBe(NOW + 5n);
  });

  it('refuses a payload its codec cannot read, writing nothing', async () => {
    sm.machine.register(touchHandler);
    const res = await apply({ kind: 'TOUCH', requestId: new Uint8Array(0), proposedTs: NOW, payload: new Uint8Array([1, 2, 3]) });
    expect(res.errorCode).toBe('INVALID_ARGUMENT');
    expect(res.errorMessage).toMatch(/TOUCH: malformed payload: want 8 bytes, got 3/);
    expect(sm.maxTs).toBe(0n);
  });

  it('cannot take a name the envelope already uses', () => {
    expect(() => defineCommand('WRITE', { encode: () => new Uint8Array(0), decode: () => ({}) })).toThrow(/envelope's own/);
    expect(() => defineCommand('touch', { encode: () => new Uint8Array(0), decode: () => ({}) })).toThrow(/upper snake case/);
  });
});

describe('peekKind', () => {
  it('reads every envelope kind off the wire form, as decodeCommand does', () => {
    const kinds = ['WRITE', 'DELETE_RANGE', 'CAS', 'BUMP_TS', 'DEDUP_GC', 'CATALOG', 'MIGRATION', 'JOB', 'DIGEST', 'TXN', 'MVCC_GC'] as const;
    for (const kind of kinds) {
      // A real HLC timestamp (48-bit milliseconds, 16-bit logical) takes nine varint bytes.
      const data = encodeCommand({ kind, requestId: new Uint8Array(16).fill(7), proposedTs: makeTimestamp(BigInt(Date.now()), 7), maxKeys: 1000, writes: [{ key: new Uint8Array(3), value: new Uint8Array(300) }] });
      expect(peekKind(data)).toBe(kind);
      expect(decodeCommand(data).kind).toBe(kind);
    }
  });

  it('names a plane-defined kind EXTENSION, and bytes that are not a command undefined', () => {
    expect(peekKind(encodeCommand({ kind: 'SOME_PLANE_KIND', requestId: new Uint8Array(0), proposedTs: 1n, payload: new Uint8Array(5) }))).toBe('EXTENSION');
    expect(peekKind(Uint8Array.of(0x08, 0x01, 0x12, 0x7f))).toBeUndefined(); // a length past the end
    expect(peekKind(Uint8Array.of(0x0f))).toBeUndefined(); // wire type 7
    expect(peekKind(Uint8Array.of(0x08, 0xff))).toBeUndefined(); // a truncated varint
  });
});
