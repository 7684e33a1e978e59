// A group's data families and the effects written to them. Every write a
// command makes to a family goes through here, so planes that must see
// effects — a migration capturing its range's changes — observe them without
// the writing plane knowing (effects, never commands: MIGRATION.md CAPTURE).

import type { NodeDb, StorageBatch } from '../storage/db.js';
import { FAMILY_MVCC, compareBytes, dataPrefix, prefixEnd, versionKey } from '../storage/keys.js';
import { MvccStore } from '../storage/mvcc-store.js';
import type { MigrationRow } from './rows.js';

/** Sees every effect, in apply order, inside the batch that writes it. `end` undefined: the effect's span is its key. */
export type EffectObserver = (b: StorageBatch, row: MigrationRow, start: Uint8Array, end: Uint8Array | undefined) => void;

export class GroupData {
  private readonly stores = new Map<number, MvccStore>();
  private readonly observers: EffectObserver[] = [];
  /**
   * TEST-ONLY failpoint (FERRYKV_FAILPOINT_SKIP_APPLY_KEY, one node): versions
   * of this key are silently not written, so verification has a divergence to find.
   */
  skipKey: Uint8Array | undefined;

  constructor(
    readonly db: NodeDb,
    readonly group: number,
    /** Told the timestamp of every version written to the MVCC family (user data). */
    private readonly onMvccWrite?: (ts: bigint) => void,
  ) {}

  /** The group's store of a family (versions laid out as MVCC: key, then inverted timestamp). */
  store(family: number): MvccStore {
    let s = this.stores.get(family);
    if (!s) {
      this.stores.set(family, (s = new MvccStore(this.db, this.group, family)));
      if (family === FAMILY_MVCC) s.onWrite = this.onMvccWrite;
    }
    return s;
  }

  /** Whether the family holds any key at all (one seek). */
  async holdsAny(family: number): Promise<boolean> {
    const p = dataPrefix(this.group, family);
    for await (const _ of this.db.level.keys({ gte: p, lt: prefixEnd(p), limit: 1 })) return true;
    return false;
  }

  observe(f: EffectObserver): void {
    this.observers.push(f);
  }

  /** Writes a version (`value` null: a tombstone) and tells the observers. */
  putVersion(b: StorageBatch, family: number, key: Uint8Array, ts: bigint, value: Uint8Array | null): void {
    if (family === FAMILY_MVCC && this.skipKey && compareBytes(this.skipKey, key) === 0) return;
    if (value === null) this.store(family).deleteVersion(b, key, ts);
    else this.store(family).putVersion(b, key, ts, value);
    this.emit(b, { family, key, ts, value: value ?? new Uint8Array(0), tombstone: value === null, delete: false }, key, undefined);
  }

  /** Removes a version outright (a resolved lock) and tells the observers. */
  removeVersion(b: StorageBatch, family: number, key: Uint8Array, ts: bigint): void {
    b.del(versionKey(this.group, family, key, ts));
    this.emit(b, { family, key, ts, value: new Uint8Array(0), tombstone: false, delete: true }, key, undefined);
  }

  /** Tells the observers of an effect written elsewhere (the shell's request-id entries). */
  emit(b: StorageBatch, row: MigrationRow, start: Uint8Array, end: Uint8Array | undefined): void {
    for (const o of this.observers) o(b, row, start, end);
  }
}
