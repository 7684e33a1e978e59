// Memo table for the linearizability search (linearizability.ts): the set of
// configurations already expanded, where a configuration is (linearized ok
// ops, register value, linearized info ops).
//
// Info ops are optional, so a configuration is *dominated* by a recorded one
// with the same ok set and value and a subset of its info ops: everything
// reachable from it is reachable from the recorded one. `add` refuses
// dominated configurations and, per (ok set, value), keeps only an antichain
// of info sets.
//
// The search can expand a million configurations, so nothing here is an
// object per entry: ok sets are stored trimmed (the words that are neither
// all ones nor all zeros — ops well behind and well ahead of the frontier)
// in one growable word arena, and records are rows of flat typed arrays.

const NONE = -1;

// Fields of a record, one per (ok set, value); REC_STRIDE int32s each.
const OK_FROM = 0; // first ok-set word that is not all ones
const OK_LEN = 1; // stored words (the rest are zero)
const OK_AT = 2; // arena offset of the stored words
const IS_NULL = 3; // 1 if the value is null (absent)
const NEXT = 4; // next record with the same hash, or NONE
const INFO = 5; // first info-set node, or NONE
const REC_STRIDE = 6;

// Fields of an info-set node; NODE_STRIDE int32s each.
const NODE_AT = 0; // arena offset of the info set (infoWords words)
const NODE_NEXT = 1;
const NODE_STRIDE = 2;

export class VisitedSet {
  private arena = new Uint32Array(1 << 12);
  private arenaTop = 0;
  private records = new Int32Array(REC_STRIDE << 10);
  private values = new Float64Array(1 << 10);
  private recordCount = 0;
  private nodes = new Int32Array(NODE_STRIDE << 10);
  private nodeCount = 0;
  private readonly heads = new Map<number, number>();

  constructor(private readonly infoWords: number) {}

  /**
   * Records a configuration under `hash` (which must be a function of the ok
   * set and the value only). Returns false if it, or one dominating it, was
   * already recorded.
   */
  add(hash: number, okBits: Uint32Array, value: number | null, infoBits: Uint32Array): boolean {
    let from = 0;
    while (from < okBits.length && okBits[from] === 0xffffffff) from++;
    let to = okBits.length;
    while (to > from && okBits[to - 1] === 0) to--;
    const isNull = value === null ? 1 : 0;
    const head = this.heads.get(hash) ?? NONE;
    for (let r = head; r !== NONE; r = this.records[r * REC_STRIDE + NEXT]!) {
      if (this.matches(r, okBits, from, to, isNull, value ?? 0)) return this.addInfoSet(r, infoBits);
    }
    const r = this.recordCount++;
    if ((r + 1) * REC_STRIDE > this.records.length) {
      this.records = grow(this.records, (r + 1) * REC_STRIDE);
      this.values = grow(this.values, r + 1);
    }
    const at = this.store(okBits, from, to);
    this.records.set([from, to - from, at, isNull, head, NONE], r * REC_STRIDE);
    this.values[r] = value ?? 0;
    this.heads.set(hash, r);
    return this.addInfoSet(r, infoBits);
  }

  private matches(r: number, okBits: Uint32Array, from: number, to: number, isNull: number, value: number): boolean {
    const base = r * REC_STRIDE;
    const rec = this.records;
    if (rec[base + IS_NULL] !== isNull || (isNull === 0 && this.values[r] !== value)) return false;
    if (rec[base + OK_FROM] !== from || rec[base + OK_LEN] !== to - from) return false;
    const at = rec[base + OK_AT]!;
    for (let w = from; w < to; w++) if (this.arena[at + w - from] !== okBits[w]) return false;
    return true;
  }

  private addInfoSet(r: number, infoBits: Uint32Array): boolean {
    const slot = r * REC_STRIDE + INFO;
    for (let n = this.records[slot]!; n !== NONE; n = this.nodes[n * NODE_STRIDE + NODE_NEXT]!) {
      if (this.isSubset(this.nodes[n * NODE_STRIDE + NODE_AT]!, infoBits, false)) return false;
    }
    // Drop recorded sets the new one dominates (their arena words are not reclaimed).
    let prev = NONE;
    for (let n = this.records[slot]!; n !== NONE; n = this.nodes[n * NODE_STRIDE + NODE_NEXT]!) {
      if (this.isSubset(this.nodes[n * NODE_STRIDE + NODE_AT]!, infoBits, true)) {
        const after = this.nodes[n * NODE_STRIDE + NODE_NEXT]!;
        if (prev === NONE) this.records[slot] = after;
        else this.nodes[prev * NODE_STRIDE + NODE_NEXT] = after;
      } else {
        prev = n;
      }
    }
    const n = this.nodeCount++;
    if ((n + 1) * NODE_STRIDE > this.nodes.length) this.nodes = grow(this.nodes, (n + 1) * NODE_STRIDE);
    this.nodes[n * NODE_STRIDE + NODE_AT] = this.store(infoBits, 0, this.infoWords);
    this.nodes[n * NODE_STRIDE + NODE_NEXT] = this.records[slot]!;
    this.records[slot] = n;
    return true;
  }

  /** stored ⊆ bits, or with `reversed`, bits ⊆ stored. */
  private isSubset(at: number, bits: Uint32Array, reversed: boolean): boolean {
    for (let w = 0; w < this.infoWords; w++) {
      const stored = this.arena[at + w]!;
      const given = bits[w]!;
      if ((reversed ? given & ~stored : stored & ~given) !== 0) return false;
    }
    return true;
  }

  private store(bits: Uint32Array, from: number, to: number): number {
    const at = this.arenaTop;
    if (at + (to - from) > this.arena.length) this.arena = grow(this.arena, at + (to - from));
    this.arena.set(bits.subarray(from, to), at);
    this.arenaTop += to - from;
    return at;
  }
}

function grow<T extends Int32Array | Uint32Array | Float64Array>(array: T, atLeast: number): T {
  let length = array.length * 2;
  while (length < atLeast) length *= 2;
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
