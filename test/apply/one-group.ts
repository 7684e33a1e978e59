// One group on a fresh LevelDB in a temp dir, bootstrapped to own the whole
// key space, fed encoded log entries as its log would (the next index, one
// term): the setup the apply-level tests share (watch feeds, collectors,
// version GC, transaction steps).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommand, type KvCommand, type KvResult } from '../../src/apply/commands.js';
import type { GroupMachine } from '../../src/apply/group-machine.js';
import { OwnershipMap } from '../../src/distribution/ownership.js';
import { EntryType } from '../../src/raft/index.js';
import { openGroupMachine, writeBootstrap } from '../../src/server/groups.js';
import { NodeDb } from '../../src/storage/db.js';

export type Command = Omit<KvCommand, 'proposedTs'> & { proposedTs?: bigint };

const E = new Uint8Array(0);

export class OneGroup {
  /** The last log index applied through this bench. */
  index = 1;

  private constructor(
    readonly dir: string,
    readonly db: NodeDb,
    public machine: GroupMachine,
    /** The proposal timestamp of a command that gives none. */
    private readonly proposedTs: () => bigint,
  ) {}

  /** Group 1, owning everything; commands without a proposal timestamp get `proposedTs()` (default 0). */
  static async open(name: string, proposedTs: () => bigint = () => 0n): Promise<OneGroup> {
    const dir = mkdtempSync(join(tmpdir(), `ferrykv-${name}-`));
    const db = await NodeDb.open(dir);
    const b = db.batch();
    writeBootstrap(b, 1, { owned: new OwnershipMap([{ start: E, end: E, state: 'owned' }]) });
    await b.write({ sync: false });
    return new OneGroup(dir, db, await openGroupMachine(db, 1), proposedTs);
  }

  private entry(c: Command, index: number): { index: number; term: number; type: EntryType; data: Uint8Array } {
    return { index, term: 1, type: EntryType.Normal, data: encodeCommand({ proposedTs: this.proposedTs(), ...c }) };
  }

  /** Applies one command as the next log entry. */
  async apply(c: Command): Promise<KvResult> {
    const i = ++this.index;
    return (await this.machine.applyEntries([this.entry(c, i)])).get(i)!;
  }

  /** Applies commands as consecutive entries in one pass; their results in order. */
  async applyAll(cs: readonly Command[]): Promise<KvResult[]> {
    const first = this.index + 1;
    const res = await this.machine.applyEntries(cs.map((c, i) => this.entry(c, first + i)));
    this.index += cs.length;
    return cs.map((_, i) => res.get(first + i)!);
  }

  async close(): Promise<void> {
    await this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
