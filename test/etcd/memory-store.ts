// A multi-version store in memory behind the etcd view's reader, for the etcd
// plane's unit tests: versions per key, reads at a timestamp, commits of a
// view's mutations at a given timestamp.

import type { KvWrite } from '../../src/apply/commands.js';
import { compareBytes } from '../../src/runtime/bytes.js';
import { TxnView, type SnapshotReader, type StoredRow } from '../../src/etcd/view.js';
import { execRange } from '../../src/etcd/exec.js';
import type { RangeRequest__Output } from '../../src/proto-gen/etcdserverpb/RangeRequest.js';

const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');

export class MemoryStore implements SnapshotReader {
  private readonly versions = new Map<string, { key: Uint8Array; ts: bigint; value: Uint8Array | null }[]>();

  commit(writes: readonly KvWrite[], ts: bigint): void {
    for (const w of writes) {
      const list = this.versions.get(hex(w.key)) ?? [];
      list.push({ key: w.key, ts, value: w.value });
      this.versions.set(hex(w.key), list);
    }
  }

  private at(key: string, ts: bigint): StoredRow | undefined {
    const list = this.versions.get(key) ?? [];
    let best: { key: Uint8Array; ts: bigint; value: Uint8Array | null } | undefined;
    for (const v of list) if (v.ts <= ts && (!best || v.ts > best.ts)) best = v;
    return best && best.value ? { key: best.key, value: best.value, ts: best.ts } : undefined;
  }

  get(key: Uint8Array, ts: bigint): Promise<StoredRow | undefined> {
    return Promise.resolve(this.at(hex(key), ts));
  }

  scan(start: Uint8Array, end: Uint8Array, limit: number, reverse: boolean, ts: bigint): Promise<{ rows: StoredRow[]; more: boolean }> {
    const rows: StoredRow[] = [];
    for (const k of this.versions.keys()) {
      const row = this.at(k, ts);
      if (row && compareBytes(row.key, start) >= 0 && compareBytes(row.key, end) < 0) rows.push(row);
    }
    rows.sort((a, b) => (reverse ? -1 : 1) * compareBytes(a.key, b.key));
    return Promise.resolve({ rows: rows.slice(0, limit), more: rows.length > limit });
  }
}

export function rangeReq(key: string, rangeEnd = '', o: Partial<RangeRequest__Output> = {}): RangeRequest__Output {
  return {
    key: Buffer.from(key),
    rangeEnd: rangeEnd === '\0' ? Buffer.from([0]) : Buffer.from(rangeEnd),
    limit: '0',
    revision: '0',
    sortOrder: 'NONE',
    sortTarget: 'KEY',
    serializable: false,
    keysOnly: false,
    countOnly: false,
    minModRevision: '0',
    maxModRevision: '0',
    minCreateRevision: '0',
    maxCreateRevision: '0',
    ...o,
  };
}

/** A store and a clock: each step reads at `ts` and commits what it wrote at ts + 1. */
export class Harness {
  readonly store = new MemoryStore();
  ts = 100n;

  async step<T>(body: (v: TxnView) => Promise<T>): Promise<{ out: T; rev: bigint }> {
    const view = new TxnView(this.store, this.ts, false);
    const out = await body(view);
    this.ts += 10n;
    if (view.hasWrites) this.store.commit(view.mutations(), this.ts);
    return { out, rev: this.ts };
  }

  async read(key: string, rangeEnd = '', o: Partial<RangeRequest__Output> = {}) {
    return (await this.step((v) => execRange(v, rangeReq(key, rangeEnd, o)))).out;
  }
}

