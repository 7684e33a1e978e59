// The replicated RawKV state machine of one group.
//
// Apply is deterministic: a command's effect depends only on the log and the
// group's state. The commit timestamp is max(proposedTs, maxTs + 1), so commit
// timestamps increase in log order on every replica without trusting any
// clock; maxTs and the applied index are written in the same batch as the
// writes they cover. Entries at or below the stored applied index are skipped
// (after a snapshot ingest, the data is already past them). A request id seen
// before returns its stored result and writes nothing (retries apply once).

import type { StateMachine } from '../node/replica.js';
import { EntryType, type Entry } from '../raft/index.js';
import { NodeDb, StorageBatch } from '../storage/db.js';
import { FAMILY_MVCC, concat, dataPrefix, escapeKey, prefixEnd, readU64, stateKey, u64, unescapeKey } from '../storage/keys.js';
import { MvccStore } from '../storage/mvcc-store.js';
import { EMPTY_RESULT, decodeCommand, decodeResult, encodeResult, type KvCommand, type KvResult } from './commands.js';

export const FAMILY_DEDUP = 0x10;
const MAX_TS = (1n << 64n) - 1n;

export class KvStateMachine implements StateMachine {
  readonly mvcc: MvccStore;
  applied = 0;
  /** The group's closed timestamp: every commit so far is at or below it. */
  maxTs = 0n;
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

  /** Re-reads applied index and closed timestamp (after a snapshot was ingested). */
  async reload(): Promise<void> {
    const a = await this.db.level.get(this.appliedKey);
    this.applied = a === undefined ? 0 : Number(readU64(a, 0));
    const m = await this.db.level.get(this.maxTsKey);
    this.maxTs = m === undefined ? 0n : readU64(m, 0);
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
          results.set(e.index, await this.applyCommand(b, cmd, seen));
          dirty = true;
        }
      }
      this.applied = e.index;
    }
    this.writeState(b);
    await b.write({ sync: false });
    return results;
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

  private async applyCommand(b: StorageBatch, cmd: KvCommand, seen: Map<string, KvResult>): Promise<KvResult> {
    if (cmd.kind === 'BUMP_TS') {
      if (cmd.ts !== undefined && cmd.ts > this.maxTs) this.maxTs = cmd.ts;
      return { ...EMPTY_RESULT, commitTs: this.maxTs };
    }
    if (cmd.kind === 'DEDUP_GC') return this.collectDedup(b, cmd.ts ?? 0n, cmd.start ?? new Uint8Array(0), cmd.maxKeys ?? 1000, seen);
    const rid = cmd.requestId.byteLength > 0 ? Buffer.from(cmd.requestId).toString('hex') : undefined;
    if (rid !== undefined) {
      const again = seen.get(rid);
      if (again) return again;
      const stored = this.db.level.getSync(this.dedupKey(cmd.requestId));
      if (stored !== undefined) return decodeResult(stored.subarray(8));
    }
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
