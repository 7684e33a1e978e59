// Benchmark dispatcher: `npm run bench -- <name> [options]`. Each benchmark prints JSON.
import { runRaftBench } from './raft.js';
import { runStorageBench } from './storage.js';
import { runKvBench } from './kv.js';
import { runCompare } from './compare.js';
import { runMigrationBench } from './migration.js';
import { runTxnBench } from './txn.js';
import { runFenceBench } from './fence.js';
import { runFailoverBench } from './failover.js';
import { runOverloadBench } from './overload.js';
import { runGroupsBench } from './groups.js';
import { runWatchBench } from './watch.js';

const benches: Record<string, (args: string[]) => Promise<void> | void> = {
  raft: runRaftBench,
  storage: runStorageBench,
  kv: runKvBench,
  compare: runCompare,
  migration: runMigrationBench,
  txn: runTxnBench,
  fence: runFenceBench,
  failover: runFailoverBench,
  overload: runOverloadBench,
  groups: runGroupsBench,
  watch: runWatchBench,
};

const [name, ...rest] = process.argv.slice(2);
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
await bench(rest);
