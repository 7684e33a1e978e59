// Transaction benchmark: `npm run bench -- txn [--clients 64] [--seconds 15] [--accounts 10000]`.
//
// Starts a 3-node, 3-group cluster on 127.0.0.1 (group 1 [ , h), group 2 [h, p),
// group 3 [p, +∞)), loads `accounts` balances into each of groups 1 and 2, then
// runs two workloads, each for `seconds` with `clients` concurrent clients:
//
//   cross   2-key transfers between an account in group 1 and one in group 2
//           (two-phase commit: read both, write both)
//   single  2-key transfers between two accounts of group 1 (the one-phase path)
//
// Each client runs its own retry loop (not db.txn's) so every attempt is counted.
// Prints one JSON object: per workload commits/s, attempts, abort rate, p50/p99
// latency of a committed transaction (begin → commit acknowledged, including its
// retries) and of a committed attempt, and errors other than retryable aborts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryClient, KvError } from '../src/client/client.js';
import { SERVER_BIN, TestCluster } from '../testkit/cluster.js';
import { opt, percentile } from './args.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const pct = (xs: number[], p: number): number => percentile(xs, p, 2);

interface WorkloadResult {
  workload: 'cross' | 'single';
  clients: number;
  seconds: number;
  commits: number;
  commitsPerSec: number;
  attempts: number;
  abortRate: number;
  onePhaseShare: number;
  txnP50Ms: number;
  txnP99Ms: number;
  attemptP50Ms: number;
  attemptP99Ms: number;
  errors: number;
  firstError?: string;
}

export async function runTxnBench(args: string[]): Promise<void> {
  const clients = Number(opt(args, 'clients', '64'));
  const seconds = Number(opt(args, 'seconds', '15'));
  const accounts = Number(opt(args, 'accounts', '10000'));
  const out = opt(args, 'out', join(root, 'bench/results', `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-txn.json`));
  if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing: run npm run build first`);
  const log = (m: string): void => console.error(`[txn ${new Date().toISOString().slice(11, 19)}] ${m}`);
  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  const c = await TestCluster.start({ nodes: 3, groups: 3 });
  const endpoints = [1, 2, 3].map((n) => c.address(n));
  const acct = (group: 1 | 2, i: number): string => `${group === 1 ? 'c' : 'k'}/acct/${String(i).padStart(6, '0')}`;
  try {
    log(`loading ${accounts} accounts into each of groups 1 and 2`);
    const loader = new FerryClient({ endpoints, timeoutMs: 60_000 });
    for (const g of [1, 2] as const) {
      for (let i = 0; i < accounts; i += 1000) {
        const muts = [];
        for (let j = i; j < Math.min(accounts, i + 1000); j++) muts.push({ op: 'put' as const, key: acct(g, j), value: '1000' });
        await loader.batchWrite(muts);
      }
    }
    loader.close();
    const results: WorkloadResult[] = [];
    for (const workload of ['cross', 'single'] as const) {
      log(`${workload}: ${clients} clients for ${seconds} s`);
      const dbs = Array.from({ length: Math.min(clients, 8) }, (_, i) => new FerryClient({ endpoints: endpoints.map((_, j) => endpoints[(i + j) % endpoints.length]!), timeoutMs: 10_000 }));
      const txnMs: number[] = [];
      const attemptMs: number[] = [];
      let attempts = 0;
      let aborts = 0;
      let onePhase = 0;
      let errors = 0;
      let firstError: string | undefined;
      const end = Date.now() + seconds * 1000;
      let seed = 12345;
      const rand = (): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff;
      };
      const worker = async (w: number): Promise<void> => {
        const db = dbs[w % dbs.length]!;
        while (Date.now() < end) {
          const a = acct(1, Math.floor(rand() * accounts));
          let b = workload === 'cross' ? acct(2, Math.floor(rand() * accounts)) : acct(1, Math.floor(rand() * accounts));
          if (a === b) b = acct(1, (Number(a.slice(-6)) + 1) % accounts);
          const t0 = performance.now();
          for (let attempt = 0; attempt < 20 && Date.now() < end + 10_000; attempt++) {
            const t1 = performance.now();
            attempts++;
            try {
              const tx = await db.begin();
              const va = Number(await tx.getString(a));
              const vb = Number(await tx.getString(b));
              tx.put(a, String(va - 1));
              tx.put(b, String(vb + 1));
              await tx.commit();
              const now = performance.now();
              attemptMs.push(now - t1);
              txnMs.push(now - t0);
              if (workload === 'single') onePhase++;
              break;
            } catch (e) {
              if (e instanceof KvError && e.code === 'ABORTED') {
                aborts++;
                continue;
              }
              errors++;
              firstError ??= e instanceof Error ? e.message : String(e);
              break;
            }
          }
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
      const elapsed = (performance.now() - t0) / 1000;
      for (const db of dbs) db.close();
      results.push({
        workload,
        clients,
        seconds: +elapsed.toFixed(1),
        commits: txnMs.length,
        commitsPerSec: +(txnMs.length / elapsed).toFixed(1),
        attempts,
        abortRate: attempts === 0 ? 0 : +(aborts / attempts).toFixed(4),
        onePhaseShare: txnMs.length === 0 ? 0 : +(onePhase / txnMs.length).toFixed(2),
        txnP50Ms: pct(txnMs, 50),
        txnP99Ms: pct(txnMs, 99),
        attemptP50Ms: pct(attemptMs, 50),
        attemptP99Ms: pct(attemptMs, 99),
        errors,
        ...(firstError ? { firstError } : {}),
      });
      log(JSON.stringify(results[results.length - 1]));
    }
    const report = { bench: 'txn', when: new Date().toISOString(), nodes: 3, groups: 3, accountsPerGroup: accounts, loadAtStart, results };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 2));
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await c.cleanup(false);
  }
}
