// Child process for the crash test: commits synced batches forever and prints
// "ack <n>" after each one is durable. The parent kills it with SIGKILL.
import { NodeDb } from '../../src/storage/db.js';
import { MvccStore } from '../../src/storage/mvcc-store.js';

const dir = process.argv[2];
const keysPerBatch = Number(process.argv[3] ?? '20');
if (!dir) throw new Error('usage: crash-child <dir> [keysPerBatch]');
// Exit with the parent (stdin closes when it dies).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const db = await NodeDb.open(dir);
const store = new MvccStore(db, 3);
const value = new Uint8Array(512).fill(0x5a);
for (let n = 1; ; n++) {
  const b = db.batch();
  for (let j = 0; j < keysPerBatch; j++) store.putVersion(b, new TextEncoder().encode(`b${n}-${j}`), BigInt(n), value);
  store.setApplied(b, n);
  await b.write({ sync: true });
  process.stdout.write(`ack ${n}\n`);
}
