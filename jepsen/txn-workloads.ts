// Transactional workloads of the Jepsen harness (docs/transactions.md):
//
//   bank    transfers between accounts spread over all three groups, and reads
//           of every balance in one transaction; the total never moves and no
//           balance goes negative (checker/bank.ts).
//   append  list-append transactions of 1–4 micro-ops over a small, rotating
//           pool of keys in all three groups, run at one isolation level and
//           judged by the Elle-style checker against it (checker/append.ts).
//
// A transaction that commits is `ok` with what it read; one refused with
// ABORTED (or an error before commit) is `fail`; one whose commit outcome is
// unknown is `info`. db.txn() retries aborted attempts; only the attempt that
// ended is recorded (the others never committed).

import { FerryClient, KvError } from '../src/client/index.js';
import type { BankOp, EventType, HistoryEvent, MicroOp, TxnOp } from './checker/history.js';

export class TxnRecorder<Op> {
  readonly events: HistoryEvent<Op>[] = [];

  constructor(private readonly t0: number) {}

  record(type: EventType, process: number, op: Op): void {
    this.events.push({ index: this.events.length, type, process, time: Math.round((performance.now() - this.t0) * 1000) / 1000, op });
  }
}

const TXN_TIMEOUT_MS = 3000;

/** Whether a commit may have happened (an error after the commit was sent, without a definite answer). */
function outcomeOf(e: unknown, committing: boolean): 'fail' | 'info' {
  if (!committing) return 'fail';
  if (!(e instanceof KvError)) return 'info';
  return e.code === 'ABORTED' || e.code === 'TXN_CONFLICT' || e.code === 'INVALID_ARGUMENT' ? 'fail' : 'info';
}

// ------------------------------------------------------------------- bank

/** Six accounts, two in each group (routes ['', h), [h, p), [p, +∞)). */
export const BANK_ACCOUNTS = ['b/acct/0', 'd/acct/1', 'i/acct/2', 'l/acct/3', 'r/acct/4', 'u/acct/5'];
export const BANK_START = 100;

export async function seedBank(db: FerryClient): Promise<void> {
  await db.txn(
    (tx) => {
      for (const a of BANK_ACCOUNTS) tx.put(a, String(BANK_START));
      return Promise.resolve();
    },
    { retries: 100, timeoutMs: 10_000 },
  );
}

/** One read of every balance (after healing: retried until it succeeds or 10 tries). */
export async function finalBankRead(p: number, db: FerryClient, rec: TxnRecorder<BankOp>): Promise<void> {
  rec.record('invoke', p, { f: 'read', value: null });
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      rec.record('ok', p, { f: 'read', value: await readBalances(db, 10_000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  rec.record('fail', p, { f: 'read', value: null });
}

function readBalances(db: FerryClient, timeoutMs: number): Promise<Record<string, number>> {
  return db.txn(
    async (tx) => {
      const got = await tx.batchGet(BANK_ACCOUNTS);
      const out: Record<string, number> = {};
      for (const [k, v] of got) out[k] = Number(Buffer.from(v).toString());
      return out;
    },
    { retries: 3, timeoutMs },
  );
}

export async function bankWorker(p: number, db: FerryClient, rec: TxnRecorder<BankOp>, rand: () => number, until: () => boolean): Promise<void> {
  while (!until()) {
    if (rand() < 0.3) {
      rec.record('invoke', p, { f: 'read', value: null });
      try {
        rec.record('ok', p, { f: 'read', value: await readBalances(db, TXN_TIMEOUT_MS) });
      } catch {
        rec.record('fail', p, { f: 'read', value: null });
      }
      continue;
    }
    const from = BANK_ACCOUNTS[Math.floor(rand() * BANK_ACCOUNTS.length)]!;
    let to = BANK_ACCOUNTS[Math.floor(rand() * BANK_ACCOUNTS.length)]!;
    if (to === from) to = BANK_ACCOUNTS[(BANK_ACCOUNTS.indexOf(from) + 1) % BANK_ACCOUNTS.length]!;
    const amount = 1 + Math.floor(rand() * 5);
    const op: BankOp = { f: 'transfer', value: { from, to, amount } };
    rec.record('invoke', p, op);
    let committing = false;
    try {
      const done = await db.txn(
        async (tx) => {
          committing = false;
          const a = Number(await tx.getString(from));
          const b = Number(await tx.getString(to));
          if (a < amount) return false; // no overdraft: nothing to write
          tx.put(from, String(a - amount));
          tx.put(to, String(b + amount));
          committing = true;
          await tx.commit();
          return true;
        },
        { retries: 3, timeoutMs: TXN_TIMEOUT_MS },
      );
      rec.record(done ? 'ok' : 'fail', p, op);
    } catch (e) {
      rec.record(outcomeOf(e, committing), p, op);
    }
  }
}

// ----------------------------------------------------------------- append

const KEY_PREFIXES = ['c', 'j', 's'];
const ACTIVE_KEYS = 6;
const APPENDS_PER_KEY = 40;

/** A pool of list keys per isolation level; a key retires after enough appends, so lists stay short. */
export class AppendKeys {
  private next = 0;
  private readonly active: { key: string; appends: number }[] = [];

  constructor(private readonly tag: string) {
    for (let i = 0; i < ACTIVE_KEYS; i++) this.active.push(this.fresh());
  }

  private fresh(): { key: string; appends: number } {
    const n = this.next++;
    return { key: `${KEY_PREFIXES[n % KEY_PREFIXES.length]}/${this.tag}/${n}`, appends: 0 };
  }

  pick(rand: () => number): { key: string; appends: number } {
    return this.active[Math.floor(rand() * this.active.length)]!;
  }

  appended(k: { key: string; appends: number }): void {
    k.appends++;
    const i = this.active.indexOf(k);
    if (k.appends >= APPENDS_PER_KEY && i >= 0) this.active[i] = this.fresh();
  }
}

const parseList = (v: Uint8Array | undefined): number[] => (v === undefined || v.byteLength === 0 ? [] : Buffer.from(v).toString().split(',').map(Number));

export async function appendWorker(
  p: number,
  db: FerryClient,
  rec: TxnRecorder<TxnOp>,
  rand: () => number,
  until: () => boolean,
  keys: AppendKeys,
  isolation: 'snapshot' | 'serializable',
  counter: { next: number },
): Promise<void> {
  while (!until()) {
    const n = 1 + Math.floor(rand() * 4);
    const plan: { f: 'append' | 'r'; k: { key: string; appends: number }; v: number }[] = [];
    for (let i = 0; i < n; i++) {
      const k = keys.pick(rand);
      plan.push(rand() < 0.5 ? { f: 'append', k, v: counter.next++ } : { f: 'r', k, v: 0 });
    }
    const invoke: MicroOp[] = plan.map((m) => (m.f === 'append' ? ['append', m.k.key, m.v] : ['r', m.k.key, null]));
    rec.record('invoke', p, { f: 'txn', value: invoke });
    let committing = false;
    try {
      const done = await db.txn(
        async (tx) => {
          committing = false;
          const out: MicroOp[] = [];
          for (const m of plan) {
            const cur = parseList(await tx.get(m.k.key));
            if (m.f === 'r') out.push(['r', m.k.key, cur]);
            else {
              tx.put(m.k.key, [...cur, m.v].join(','));
              out.push(['append', m.k.key, m.v]);
            }
          }
          committing = true;
          await tx.commit();
          return out;
        },
        { isolation, retries: 2, timeoutMs: TXN_TIMEOUT_MS },
      );
      for (const m of plan) if (m.f === 'append') keys.appended(m.k);
      rec.record('ok', p, { f: 'txn', value: done });
    } catch (e) {
      rec.record(outcomeOf(e, committing), p, { f: 'txn', value: invoke });
    }
  }
}
