// The replicated RawKV state machine of one group.
//
// Apply is deterministic: a command's effect depends only on the log and the
// group's state. The commit timestamp is max(proposedTs, maxTs + 1), so commit
// timestamps increase in log order on every replica without trusting any
// clock; maxTs and the applied index are written in the same batch as the
// writes they cover. Entries at or below the stored applied index are skipped
// (after a snapshot ingest, the data is already past them). A request id seen
// before returns its stored result and writes nothing (retries apply once).
//
// Ownership: the group serves only the intervals of its ownership map (its own
// applied state, bootstrapped with the group). A write whose footprint leaves
// them is rejected at apply with NOT_OWNER and writes nothing — not even its
// request id. The default group also holds the route catalog, changed only by
// CATALOG commands; each accepted change is announced to catalog listeners
// after its batch is written.

import type { StateMachine } from '../node/replica.js';
import { EntryType, type Entry } from '../raft/index.js';
import { NodeDb, StorageBatch } from '../storage/db.js';
import { FAMILY_MVCC, concat, dataPrefix, escapeKey, prefixEnd, readU64, stateKey, u64, unescapeKey } from '../storage/keys.js';
import { MvccStore } from '../storage/mvcc-store.js';
import { RouteCatalog, type CatalogImage, type RouteDescriptor } from '../distribution/catalog.js';
import { decodeCatalog, decodeOwnership, encodeCatalog, encodeOwnership } from '../distribution/codec.js';
import { OwnershipMap, type NotOwned } from '../distribution/ownership.js';
import { EMPTY_RESULT, decodeCommand, decodeResult, encodeResult, type KvCommand, type KvResult } from './commands.js';

export const FAMILY_DEDUP = 0x10;
const MAX_TS = (1n << 64n) - 1n;
/** Catalog changes kept in memory so a watcher can resume with deltas. */
const CATALOG_HISTORY = 1000;

/** A catalog change as watchers see it: the whole catalog (`reset`) or the routes changed at `version`. */
export interface CatalogEvent {
  readonly version: number;
  readonly reset: boolean;
  readonly routes: readonly RouteDescriptor[];
}

export interface GroupBootstrapState {
  readonly owned: OwnershipMap;
  /** The default group only: the initial route catalog. */
  readonly catalog?: CatalogImage;
}

export class KvStateMachine implements StateMachine {
  readonly mvcc: MvccStore;
  applied = 0;
  /** The group's closed timestamp: every commit so far is at or below it. */
  maxTs = 0n;
  /** The intervals this group serves (its applied state). */
  ownership = new OwnershipMap([]);
  /** The route catalog, in the default group only. */
  catalog: RouteCatalog | undefined;
  private catalogHistory: CatalogEvent[] = [];
  private readonly catalogListeners = new Set<(e: CatalogEvent) => void>();
  private readonly appliedKey: Uint8Array;
  private readonly maxTsKey: Uint8Array;

  private constructor(
    readonly db: NodeDb,
    readonly group: number,
  ) {
    this.mvcc = new MvccStore(db, group, FAMILY_MVCC);
    this.appliedKey = stateKey(group, 'applied');
    this.maxTsKey = stateKey(group, 'maxts');
  }

  static async open(db: NodeDb, group: number): Promise<KvStateMachine> {
    const sm = new KvStateMachine(db, group);
    await sm.reload();
    return sm;
  }

  /** Writes a new group's initial ownership (and catalog) in the batch that bootstraps it. */
  static writeBootstrap(b: StorageBatch, group: number, state: GroupBootstrapState): void {
    b.put(stateKey(group, 'ownership'), encodeOwnership(state.owned));
    if (state.catalog) b.put(stateKey(group, 'catalog'), encodeCatalog(RouteCatalog.fromImage(state.catalog).image()));
  }

  /** Re-reads applied index, closed timestamp, ownership and catalog (after a snapshot was ingested). */
  async reload(): Promise<void> {
    const a = await this.db.level.get(this.appliedKey);
    this.applied = a === undefined ? 0 : Number(readU64(a, 0));
    const m = await this.db.level.get(this.maxTsKey);
    this.maxTs = m === undefined ? 0n : readU64(m, 0);
    const o = await this.db.level.get(stateKey(this.group, 'ownership'));
    this.ownership = o === undefined ? new OwnershipMap([]) : decodeOwnership(o);
    const c = await this.db.level.get(stateKey(this.group, 'catalog'));
    const before = this.catalog?.version;
    this.catalog = c === undefined ? undefined : RouteCatalog.fromImage(decodeCatalog(c));
    this.catalogHistory = [];
    if (this.catalog && this.catalog.version !== before) this.emitCatalog({ version: this.catalog.version, reset: true, routes: this.catalog.list() });
  }

  /** Calls `f` after every applied catalog change; returns the unsubscribe function. */
  onCatalogChange(f: (e: CatalogEvent) => void): () => void {
    this.catalogListeners.add(f);
    return () => this.catalogListeners.delete(f);
  }

  /** The changes after `version`, if they are all still in memory (else a watcher needs a reset). */
  catalogChangesSince(version: number): CatalogEvent[] | undefined {
    if (!this.catalog) return undefined;
    if (version >= this.catalog.version) return [];
    const first = this.catalogHistory[0];
    if (!first || first.version > version + 1) return undefined;
    return this.catalogHistory.filter((e) => e.version > version);
  }

  private emitCatalog(e: CatalogEvent): void {
    for (const f of this.catalogListeners) {
      try {
        f(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  private dedupKey(requestId: Uint8Array): Uint8Array {
    return concat([dataPrefix(this.group, FAMILY_DEDUP), escapeKey(requestId)]);
  }

  appliedIndex(): number {
    return this.applied;
  }

  /** Applies committed entries; returns RawKV results by log index. Membership entries are the host's. */
  async applyEntries(entries: readonly Entry[]): Promise<Map<number, KvResult>> {
    const results = new Map<number, KvResult>();
    const seen = new Map<string, KvResult>(); // request ids applied in this pass
    const catalogEvents: CatalogEvent[] = [];
    let b = this.db.batch();
    let dirty = false;
    const flush = async (): Promise<void> => {
      this.writeState(b);
      await b.write({ sync: false });
      b = this.db.batch();
      dirty = false;
    };
    for (const e of entries) {
      if (e.index <= this.applied) continue;
      if (e.type === EntryType.Normal && e.data.byteLength > 0) {
        let cmd: KvCommand | undefined;
        try {
          cmd = decodeCommand(e.data);
        } catch {
          // Deterministic on every replica: an undecodable entry applies as a no-op.
          cmd = undefined;
        }
        if (cmd) {
          if (dirty && (cmd.kind === 'CAS' || cmd.kind === 'DELETE_RANGE' || cmd.kind === 'DEDUP_GC')) await flush();
          results.set(e.index, await this.applyCommand(b, cmd, seen, catalogEvents));
          dirty = true;
        }
      }
      this.applied = e.index;
    }
    this.writeState(b);
    await b.write({ sync: false });
    for (const ev of catalogEvents) {
      this.catalogHistory.push(ev);
      if (this.catalogHistory.length > CATALOG_HISTORY) this.catalogHistory.shift();
      this.emitCatalog(ev);
    }
    return results;
  }

  private applyCatalog(b: StorageBatch, cmd: KvCommand, events: CatalogEvent[]): KvResult {
    if (!this.catalog) return rejected('INVALID_ARGUMENT', `group ${this.group} holds no route catalog (the default group does)`);
    if (!cmd.catalog) return rejected('INVALID_ARGUMENT', 'catalog command without a change');
    const res = this.catalog.apply(cmd.catalog);
    // Catalog refusals as client errors: bad input, or a precondition that no longer holds (re-read and retry).
    if (!res.ok) return rejected(res.code === 'INVALID_ARGUMENT' || res.code === 'NOT_FOUND' ? 'INVALID_ARGUMENT' : 'ABORTED', `${res.code}: ${res.message}`);
    if (!res.noop) {
      b.put(stateKey(this.group, 'catalog'), encodeCatalog(this.catalog.image()));
      events.push({ version: res.version, reset: false, routes: res.changed });
    }
    return { ...EMPTY_RESULT, catalogVersion: res.version, routes: res.noop ? [] : res.changed, succeeded: !res.noop };
  }

  /** NOT_OWNER for a footprint this group does not serve, or undefined. */
  private notOwned(cmd: KvCommand): KvResult | undefined {
    let bad: (NotOwned & { key?: Uint8Array }) | undefined;
    switch (cmd.kind) {
      case 'WRITE':
        bad = this.ownership.checkKeys((cmd.writes ?? []).map((w) => w.key));
        break;
      case 'CAS':
        bad = this.ownership.check(cmd.key ?? new Uint8Array(0));
        break;
      case 'DELETE_RANGE':
        bad = this.ownership.check(cmd.start ?? new Uint8Array(0), cmd.end ?? new Uint8Array(0));
        break;
      default:
        return undefined;
    }
    if (!bad) return undefined;
    return { ...rejected('NOT_OWNER', `group ${this.group} does not serve this key range; refresh routes`), ...(bad.owned ? { owned: bad.owned } : {}) };
  }

  /**
   * Deletes request-id entries whose original apply was before `beforeTs`
   * (retention is measured in HLC time, so it is the same on every replica),
   * scanning at most `maxKeys` entries after `after`. Returns where to resume.
   */
  private async collectDedup(b: StorageBatch, beforeTs: bigint, after: Uint8Array, maxKeys: number, seen: Map<string, KvResult>): Promise<KvResult> {
    const prefix = dataPrefix(this.group, FAMILY_DEDUP);
    const range = after.byteLength > 0 ? { gt: this.dedupKey(after), lt: prefixEnd(prefix) } : { gte: prefix, lt: prefixEnd(prefix) };
    let scanned = 0;
    let deleted = 0;
    let last: Uint8Array | undefined;
    const limit = Math.max(1, Math.min(maxKeys, 100_000));
    for await (const [k, v] of this.db.level.iterator({ ...range, limit })) {
      scanned++;
      last = k;
      if (readU64(v, 0) < beforeTs) {
        b.del(k);
        deleted++;
        // An id collected in this pass must not answer from the pass cache either.
        seen.delete(Buffer.from(unescapeKey(k, prefix.byteLength).key).toString('hex'));
      }
    }
    const more = scanned >= limit && last !== undefined;
    return { ...EMPTY_RESULT, deleted, more, resumeKey: more ? unescapeKey(last!, prefix.byteLength).key : new Uint8Array(0) };
  }

  private writeState(b: StorageBatch): void {
    b.put(this.appliedKey, u64(BigInt(this.applied)));
    b.put(this.maxTsKey, u64(this.maxTs));
  }

  private async applyCommand(b: StorageBatch, cmd: KvCommand, seen: Map<string, KvResult>, catalogEvents: CatalogEvent[]): Promise<KvResult> {
    if (cmd.kind === 'BUMP_TS') {
      if (cmd.ts !== undefined && cmd.ts > this.maxTs) this.maxTs = cmd.ts;
      return { ...EMPTY_RESULT, commitTs: this.maxTs };
    }
    if (cmd.kind === 'DEDUP_GC') return this.collectDedup(b, cmd.ts ?? 0n, cmd.start ?? new Uint8Array(0), cmd.maxKeys ?? 1000, seen);
    if (cmd.kind === 'CATALOG') return this.applyCatalog(b, cmd, catalogEvents);
    const rid = cmd.requestId.byteLength > 0 ? Buffer.from(cmd.requestId).toString('hex') : undefined;
    if (rid !== undefined) {
      const again = seen.get(rid);
      if (again) return again;
      const stored = this.db.level.getSync(this.dedupKey(cmd.requestId));
      if (stored !== undefined) return decodeResult(stored.subarray(8));
    }
    // Rejected commands write nothing, not even their request id.
    const notOwned = this.notOwned(cmd);
    if (notOwned) return notOwned;
    const commitTs = cmd.proposedTs > this.maxTs ? cmd.proposedTs : this.maxTs + 1n;
    let result: KvResult;
    switch (cmd.kind) {
      case 'WRITE':
        for (const w of cmd.writes ?? []) {
          if (w.value === null) this.mvcc.deleteVersion(b, w.key, commitTs);
          else this.mvcc.putVersion(b, w.key, commitTs, w.value);
        }
        result = { ...EMPTY_RESULT, commitTs };
        break;
      case 'CAS': {
        const key = cmd.key ?? new Uint8Array(0);
        const cur = await this.mvcc.get(key, MAX_TS);
        const matches = cmd.expectAbsent ? cur === undefined : cur !== undefined && Buffer.compare(cur.value, cmd.expected ?? new Uint8Array(0)) === 0;
        if (matches) {
          this.mvcc.putVersion(b, key, commitTs, cmd.value ?? new Uint8Array(0));
          result = { ...EMPTY_RESULT, commitTs, succeeded: true };
        } else {
          result = {
            ...EMPTY_RESULT,
            commitTs: 0n,
            succeeded: false,
            currentFound: cur !== undefined,
            current: cur?.value ?? new Uint8Array(0),
          };
        }
        break;
      }
      case 'DELETE_RANGE': {
        const max = cmd.maxKeys && cmd.maxKeys > 0 ? cmd.maxKeys : 1000;
        const end = cmd.end && cmd.end.byteLength > 0 ? cmd.end : undefined;
        const live = await this.mvcc.scan({ start: cmd.start, ...(end ? { end } : {}), readTs: MAX_TS, limit: max + 1 });
        const doomed = live.slice(0, max);
        for (const kv of doomed) this.mvcc.deleteVersion(b, kv.key, commitTs);
        const more = live.length > max;
        result = {
          ...EMPTY_RESULT,
          commitTs,
          deleted: doomed.length,
          more,
          resumeKey: more ? live[max]!.key : new Uint8Array(0),
        };
        break;
      }
      default:
        result = { ...EMPTY_RESULT };
    }
    if (result.commitTs > this.maxTs) this.maxTs = result.commitTs;
    if (rid !== undefined) {
      // The dedup entry keeps the HLC of its original apply (retention is in HLC time).
      b.put(this.dedupKey(cmd.requestId), concat([u64(commitTs), encodeResult(result)]));
      seen.set(rid, result);
    }
    return result;
  }
}

function rejected(code: string, message: string): KvResult {
  return { ...EMPTY_RESULT, succeeded: false, errorCode: code, errorMessage: message };
}
