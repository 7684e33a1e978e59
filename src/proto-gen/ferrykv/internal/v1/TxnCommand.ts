// Original file: proto/internal.proto

import type { KvWrite as _ferrykv_internal_v1_KvWrite, KvWrite__Output as _ferrykv_internal_v1_KvWrite__Output } from '../../../ferrykv/internal/v1/KvWrite.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/internal.proto

export const _ferrykv_internal_v1_TxnCommand_Kind = {
  PREWRITE: 'PREWRITE',
  COMMIT: 'COMMIT',
  RESOLVE: 'RESOLVE',
  CHECK_STATUS: 'CHECK_STATUS',
  VALIDATE: 'VALIDATE',
  ONE_PC: 'ONE_PC',
  HEARTBEAT: 'HEARTBEAT',
} as const;

export type _ferrykv_internal_v1_TxnCommand_Kind =
  | 'PREWRITE'
  | 0
  | 'COMMIT'
  | 1
  | 'RESOLVE'
  | 2
  | 'CHECK_STATUS'
  | 3
  | 'VALIDATE'
  | 4
  | 'ONE_PC'
  | 5
  | 'HEARTBEAT'
  | 6

export type _ferrykv_internal_v1_TxnCommand_Kind__Output = typeof _ferrykv_internal_v1_TxnCommand_Kind[keyof typeof _ferrykv_internal_v1_TxnCommand_Kind]

export interface TxnCommand {
  'kind'?: (_ferrykv_internal_v1_TxnCommand_Kind);
  'startTs'?: (number | string | Long);
  'commitTs'?: (number | string | Long);
  'primary'?: (Buffer | Uint8Array | string);
  'mutations'?: (_ferrykv_internal_v1_KvWrite)[];
  'keys'?: (Buffer | Uint8Array | string)[];
  'ttlMs'?: (number);
  'nowMs'?: (number | string | Long);
  'readKeys'?: (Buffer | Uint8Array | string)[];
  'readRangeStarts'?: (Buffer | Uint8Array | string)[];
  'readRangeEnds'?: (Buffer | Uint8Array | string)[];
  'rollbackIfExpired'?: (boolean);
}

export interface TxnCommand__Output {
  'kind': (_ferrykv_internal_v1_TxnCommand_Kind__Output);
  'startTs': (string);
  'commitTs': (string);
  'primary': (Buffer);
  'mutations': (_ferrykv_internal_v1_KvWrite__Output)[];
  'keys': (Buffer)[];
  'ttlMs': (number);
  'nowMs': (string);
  'readKeys': (Buffer)[];
  'readRangeStarts': (Buffer)[];
  'readRangeEnds': (Buffer)[];
  'rollbackIfExpired': (boolean);
}
