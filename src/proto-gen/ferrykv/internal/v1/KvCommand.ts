// Original file: proto/internal.proto

import type { KvWrite as _ferrykv_internal_v1_KvWrite, KvWrite__Output as _ferrykv_internal_v1_KvWrite__Output } from '../../../ferrykv/internal/v1/KvWrite.js';
import type { CatalogCommand as _ferrykv_internal_v1_CatalogCommand, CatalogCommand__Output as _ferrykv_internal_v1_CatalogCommand__Output } from '../../../ferrykv/internal/v1/CatalogCommand.js';
import type { MigrationCommand as _ferrykv_internal_v1_MigrationCommand, MigrationCommand__Output as _ferrykv_internal_v1_MigrationCommand__Output } from '../../../ferrykv/internal/v1/MigrationCommand.js';
import type { JobCommand as _ferrykv_internal_v1_JobCommand, JobCommand__Output as _ferrykv_internal_v1_JobCommand__Output } from '../../../ferrykv/internal/v1/JobCommand.js';
import type { TxnCommand as _ferrykv_internal_v1_TxnCommand, TxnCommand__Output as _ferrykv_internal_v1_TxnCommand__Output } from '../../../ferrykv/internal/v1/TxnCommand.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/internal.proto

export const _ferrykv_internal_v1_KvCommand_Kind = {
  WRITE: 'WRITE',
  DELETE_RANGE: 'DELETE_RANGE',
  CAS: 'CAS',
  BUMP_TS: 'BUMP_TS',
  DEDUP_GC: 'DEDUP_GC',
  CATALOG: 'CATALOG',
  MIGRATION: 'MIGRATION',
  JOB: 'JOB',
  DIGEST: 'DIGEST',
  TXN: 'TXN',
  MVCC_GC: 'MVCC_GC',
  EXTENSION: 'EXTENSION',
} as const;

export type _ferrykv_internal_v1_KvCommand_Kind =
  | 'WRITE'
  | 0
  | 'DELETE_RANGE'
  | 1
  | 'CAS'
  | 2
  | 'BUMP_TS'
  | 3
  | 'DEDUP_GC'
  | 4
  | 'CATALOG'
  | 5
  | 'MIGRATION'
  | 6
  | 'JOB'
  | 7
  | 'DIGEST'
  | 8
  | 'TXN'
  | 9
  | 'MVCC_GC'
  | 10
  | 'EXTENSION'
  | 11

export type _ferrykv_internal_v1_KvCommand_Kind__Output = typeof _ferrykv_internal_v1_KvCommand_Kind[keyof typeof _ferrykv_internal_v1_KvCommand_Kind]

export interface KvCommand {
  'version'?: (number);
  'requestId'?: (Buffer | Uint8Array | string);
  'proposedTs'?: (number | string | Long);
  'kind'?: (_ferrykv_internal_v1_KvCommand_Kind);
  'writes'?: (_ferrykv_internal_v1_KvWrite)[];
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'maxKeys'?: (number);
  'key'?: (Buffer | Uint8Array | string);
  'expected'?: (Buffer | Uint8Array | string);
  'expectAbsent'?: (boolean);
  'value'?: (Buffer | Uint8Array | string);
  'ts'?: (number | string | Long);
  'catalog'?: (_ferrykv_internal_v1_CatalogCommand | null);
  'migration'?: (_ferrykv_internal_v1_MigrationCommand | null);
  'job'?: (_ferrykv_internal_v1_JobCommand | null);
  'txn'?: (_ferrykv_internal_v1_TxnCommand | null);
  'extKind'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'maxScanBytes'?: (number);
}

export interface KvCommand__Output {
  'version': (number);
  'requestId': (Buffer);
  'proposedTs': (string);
  'kind': (_ferrykv_internal_v1_KvCommand_Kind__Output);
  'writes': (_ferrykv_internal_v1_KvWrite__Output)[];
  'start': (Buffer);
  'end': (Buffer);
  'maxKeys': (number);
  'key': (Buffer);
  'expected': (Buffer);
  'expectAbsent': (boolean);
  'value': (Buffer);
  'ts': (string);
  'catalog': (_ferrykv_internal_v1_CatalogCommand__Output | null);
  'migration': (_ferrykv_internal_v1_MigrationCommand__Output | null);
  'job': (_ferrykv_internal_v1_JobCommand__Output | null);
  'txn': (_ferrykv_internal_v1_TxnCommand__Output | null);
  'extKind': (string);
  'payload': (Buffer);
  'maxScanBytes': (number);
}
