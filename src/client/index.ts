// The ferrykv TypeScript SDK. See docs/client.md.
export { connect, FerryClient, KvError, toBytes, type Bytes, type CallOptions, type ConnectOptions, type Mutation, type ReadOptions, type ScanOptions, type Versioned, type KvErrorCode } from './client.js';
export type { WatchBatch, WatchEvent, WatchOptions } from './watch.js';
