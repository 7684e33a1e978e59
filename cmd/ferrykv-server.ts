#!/usr/bin/env node
// ferrykv-server: runs one ferrykv node.
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError, DEFAULTS, buildConfig, type RawOptions } from '../src/server/config.js';
import { FerryServer } from '../src/server/server.js';
import { EXIT_STORE_REFUSED, StoreRefused } from '../src/server/store-identity.js';
import { StorageError } from '../src/storage/db.js';

const program = new Command()
  .name('ferrykv-server')
  .description('Run one ferrykv node: hosts replicas of the raft groups the cluster file assigns to it.')
  .requiredOption('--node-id <id>', 'this node’s id (listed in the cluster file)')
  .requiredOption('--cluster <file>', 'cluster file (JSON): nodes, groups, routes')
  .requiredOption('--data-dir <dir>', 'directory for this node’s LevelDB')
  .option('--listen <host:port>', 'gRPC listen address (default: this node’s address in the cluster file)')
  .option('--http <host:port>', 'HTTP address for /metrics and /healthz (default: from the cluster file; empty disables)')
  .option('--etcd-listen <host:port>', 'serve the etcd v3 API (etcdctl, etcd client libraries; docs/etcd-compat.md) on this address (default: this node’s "etcd" address in the cluster file; empty or absent: off)')
  .option('--etcd-max-txn-ops <n>', `etcd API: most compares or operations in one branch of a Txn, like etcd's --max-txn-ops (default ${DEFAULTS.etcdMaxTxnOps})`)
  .option('--etcd-max-request-bytes <n>', `etcd API: the largest request accepted, like etcd's --max-request-bytes (default ${DEFAULTS.etcdMaxRequestBytes})`)
  .option('--tick-ms <ms>', `raft tick interval (default ${DEFAULTS.tickMs})`)
  .option('--election-ticks <n>', `ticks without a leader before an election (default ${DEFAULTS.electionTicks})`)
  .option('--compact-log-entries <n>', `compact a group’s log beyond this many applied entries (default ${DEFAULTS.compactLogEntries})`)
  .option('--log-retain-ms <ms>', `compaction keeps the log entries of the last this many ms (up to 8× --compact-log-entries), so a node down that long catches up from the log, not a snapshot (default ${DEFAULTS.logRetainMs})`)
  .option('--snapshot-bytes-per-sec <n>', `snapshot streaming rate limit, 0 = unlimited (default ${DEFAULTS.snapshotBytesPerSec})`)
  .option('--request-timeout-ms <ms>', `longest a request waits for a leader or a commit (default ${DEFAULTS.requestTimeoutMs})`)
  .option('--gc-retention-ms <ms>', `keep overwritten and deleted versions this long; reads at older timestamps fail with INVALID_ARGUMENT{safe_point} (default ${DEFAULTS.gcRetentionMs})`)
  .option('--dedup-retention-ms <ms>', `how long request ids are remembered for safe retries (default ${DEFAULTS.dedupRetentionMs})`)
  .option('--migration-stall-after-ms <ms>', `report a migration job stalled after this long without progress (default ${DEFAULTS.migrationStallAfterMs})`)
  .option('--migration-rate-limit <bytes/s>', `cap on migration copying exported by this node across all jobs, 0 = unlimited (default ${DEFAULTS.migrationRateLimit}); jobs also have their own limit`)
  .option('--consistency-check-interval-ms <ms>', `check the replicas of every group this node leads this often, 0 = off (default ${DEFAULTS.consistencyCheckIntervalMs})`)
  .option('--consistency-check-rate-limit <bytes/s>', `scan pace of background replica checks on each replica, 0 = unlimited (default ${DEFAULTS.consistencyCheckRateLimit})`)
  .option('--txn-lock-ttl-ms <ms>', `a transaction lock lives this long without a heartbeat before others may roll it back (default ${DEFAULTS.txnLockTtlMs})`)
  .option('--txn-resolver-interval-ms <ms>', `how often each group leader resolves expired transaction locks (default ${DEFAULTS.txnResolverIntervalMs})`)
  .option('--max-clock-offset-ms <ms>', `the largest clock difference between nodes; transactional reads restart on versions this close above their timestamp (default ${DEFAULTS.maxClockOffsetMs})`)
  .option('--max-clock-drift-ms <ms>', `refuse client and peer timestamps further than this ahead of the local clock (default ${DEFAULTS.maxClockDriftMs})`)
  .option('--metrics-group-series <n>', `groups with ids up to n get their own per-group metric series; the others are summed under group="other", and node-wide totals cover every group (default ${DEFAULTS.metricsGroupSeries})`)
  .option('--log-level <level>', `trace|debug|info|warn|error|fatal|silent (default ${DEFAULTS.logLevel})`)
  .option('--replace-node', 'start as the replacement of this node id after its data was lost: needs an empty data dir; the node re-enters every group it was in as a learner, catches up, then votes again (docs/operations.md)')
  .option('--no-idle-gc', 'never run a full garbage collection of its own; by default, once the node has been idle (event loop under 5 % busy over 5 s) and its heap holds at least 64 MiB and 50 % more than after the last one, it runs one (at most once a minute) to give a burst\'s garbage back')
  .option('--no-quiesce', 'keep ticking idle groups (every group heartbeats every tick); by default a group with nothing to do quiesces: it is not ticked and sends no raft traffic until work or a failure wakes it')
  .option('--parent-pid <pid>', 'exit when this process dies (used by ferry-cluster and tests)')
  .addHelpText(
    'after',
    '\nEnvironment:\n  FERRYKV_TEST_HOOKS=1  enable fault-injection RPCs (loopback addresses only; never in production)\n\nExample:\n  ferrykv-server --node-id 1 --cluster cluster.json --data-dir data/n1',
  );

program.parse();
const raw = program.opts<RawOptions & { parentPid?: string }>();

let cfg;
try {
  cfg = buildConfig(raw);
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`ferrykv-server: ${e.message}`);
    process.exit(2);
  }
  throw e;
}

const log = pino({ level: cfg.logLevel, base: { nodeId: cfg.nodeId } });
const server = new FerryServer(cfg, log);
try {
  await server.start();
} catch (e) {
  log.fatal({ err: (e as Error).message }, 'failed to start');
  console.error(`ferrykv-server: failed to start: ${(e as Error).message}`);
  // A data dir the node must not run on (another node's, another cluster's, damaged, or emptied) exits 78 (EX_CONFIG).
  process.exit(e instanceof StoreRefused || e instanceof StorageError ? EXIT_STORE_REFUSED : 1);
}

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'signal received');
  const force = setTimeout(() => {
    log.error('graceful shutdown took longer than 10 s; exiting');
    process.exit(1);
  }, 10_000);
  force.unref();
  server.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      log.error({ err: (e as Error).message }, 'error during shutdown');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
// A bug in a background path must be visible, but must not take the node down.
process.on('unhandledRejection', (e) => log.error({ err: e instanceof Error ? e.stack : String(e) }, 'unhandled promise rejection'));
process.on('SIGINT', () => shutdown('SIGINT'));

if (raw.parentPid) {
  const parent = Number(raw.parentPid);
  const childOf = process.ppid === parent;
  setInterval(() => {
    // Gone, or — when it is our parent — we were reparented (it died; a zombie parent that nobody
    // reaps still answers kill 0).
    let gone = childOf && process.ppid !== parent;
    try {
      process.kill(parent, 0);
    } catch {
      gone = true;
    }
    if (gone) {
      log.warn({ parent }, 'parent process is gone; exiting');
      process.exit(0);
    }
  }, 500).unref();
}
