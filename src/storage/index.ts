// Public surface of the storage engines. See docs/storage.md.
export * from './keys.js';
export { NodeDb, StorageBatch, StorageError, STORAGE_FORMAT_VERSION, type NodeDbOptions } from './db.js';
export { RaftLogStore, GroupLogStorage, type RaftLogStoreOptions } from './raft-log-store.js';
export { MvccStore, type Version, type KeyValue, type ScanOptions, type ExportOptions, type ExportChunk, type BoundedResult } from './mvcc-store.js';
export { readGroupSnapshot, SnapshotIngest, ingestIncomplete, resumeIngest, type SnapshotRow, type SnapshotChunk } from './snapshot.js';
