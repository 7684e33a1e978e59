// Test oracle for RawKV: the expected latest value of every key, built from
// acknowledged writes only. Each write carries its commit timestamp; commit
// timestamps increase in log order within a group, so the version with the
// highest timestamp is the current one no matter in which order the
// acknowledgements arrive.

export interface ModelEntry {
  readonly key: string;
  readonly value: string;
  readonly ts: bigint;
}

/** Keys are latin1 strings: one char per byte, so any binary key fits and order is byte order. */
const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));

export class KvModel {
  /** value undefined: a tombstone. */
  private readonly m = new Map<string, { value: string | undefined; ts: bigint }>();

  put(key: string, value: string, ts: bigint | string): void {
    this.set(key, value, BigInt(ts));
  }

  del(key: string, ts: bigint | string): void {
    this.set(key, undefined, BigInt(ts));
  }

  private set(key: string, value: string | undefined, ts: bigint): void {
    const cur = this.m.get(key);
    if (!cur || ts > cur.ts) this.m.set(key, { value, ts });
  }

  get(key: string): ModelEntry | undefined {
    const e = this.m.get(key);
    return e && e.value !== undefined ? { key, value: e.value, ts: e.ts } : undefined;
  }

  /** Deletes every live key in [start, end) (end '' = +∞) at `ts`; returns how many were live. */
  deleteRange(start: string, end: string, ts: bigint | string): number {
    const doomed = this.entries(start, end);
    for (const e of doomed) this.del(e.key, ts);
    return doomed.length;
  }

  /** Live keys in [start, end) in byte order (end '' = +∞). */
  entries(start = '', end = ''): ModelEntry[] {
    const out: ModelEntry[] = [];
    for (const [key, e] of this.m) {
      if (e.value === undefined) continue;
      if (cmp(key, start) < 0) continue;
      if (end !== '' && cmp(key, end) >= 0) continue;
      out.push({ key, value: e.value, ts: e.ts });
    }
    return out.sort((a, b) => cmp(a.key, b.key));
  }
}
