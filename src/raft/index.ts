// Public surface of the Raft core. See docs/raft.md.
export * from './types.js';
export * from './errors.js';
export { MemoryStorage, type Storage, type InitialState } from './storage.js';
export { Raft, QUIESCE_CONTEXT, nextConfState, type RaftConfig, type RaftStatus, type ProgressStatus, type ReadOnlyOption, type UnsafeFailpoints } from './raft.js';
export { ProgressState } from './progress.js';
export { encodeConfChange, decodeConfChange } from './confchange.js';
