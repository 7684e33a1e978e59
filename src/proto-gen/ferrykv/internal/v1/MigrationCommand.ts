// Original file: proto/internal.proto

import type { MigrationRow as _ferrykv_internal_v1_MigrationRow, MigrationRow__Output as _ferrykv_internal_v1_MigrationRow__Output } from '../../../ferrykv/internal/v1/MigrationRow.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/internal.proto

export const _ferrykv_internal_v1_MigrationCommand_Kind = {
  CLEAR: 'CLEAR',
  BEGIN_CAPTURE: 'BEGIN_CAPTURE',
  FENCE: 'FENCE',
  UNFENCE: 'UNFENCE',
  RELEASE: 'RELEASE',
  ADOPT: 'ADOPT',
  IMPORT: 'IMPORT',
  ABANDON: 'ABANDON',
  CLEANUP: 'CLEANUP',
  TRUNCATE_LOG: 'TRUNCATE_LOG',
  REPAIR: 'REPAIR',
  FINISH: 'FINISH',
} as const;

export type _ferrykv_internal_v1_MigrationCommand_Kind =
  | 'CLEAR'
  | 0
  | 'BEGIN_CAPTURE'
  | 1
  | 'FENCE'
  | 2
  | 'UNFENCE'
  | 3
  | 'RELEASE'
  | 4
  | 'ADOPT'
  | 5
  | 'IMPORT'
  | 6
  | 'ABANDON'
  | 7
  | 'CLEANUP'
  | 8
  | 'TRUNCATE_LOG'
  | 9
  | 'REPAIR'
  | 10
  | 'FINISH'
  | 11

export type _ferrykv_internal_v1_MigrationCommand_Kind__Output = typeof _ferrykv_internal_v1_MigrationCommand_Kind[keyof typeof _ferrykv_internal_v1_MigrationCommand_Kind]

export interface MigrationCommand {
  'kind'?: (_ferrykv_internal_v1_MigrationCommand_Kind);
  'jobId'?: (number | string | Long);
  'attempt'?: (number);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'peerGroup'?: (number);
  'fenceEpoch'?: (number | string | Long);
  'head'?: (number | string | Long);
  'fromCursor'?: (Buffer | Uint8Array | string);
  'toCursor'?: (Buffer | Uint8Array | string);
  'rows'?: (_ferrykv_internal_v1_MigrationRow)[];
  'releaseTs'?: (number | string | Long);
  'maxKeys'?: (number);
  'throughSeq'?: (number | string | Long);
  'rowsPacked'?: (Buffer | Uint8Array | string);
  'safePoint'?: (number | string | Long);
}

export interface MigrationCommand__Output {
  'kind': (_ferrykv_internal_v1_MigrationCommand_Kind__Output);
  'jobId': (string);
  'attempt': (number);
  'start': (Buffer);
  'end': (Buffer);
  'peerGroup': (number);
  'fenceEpoch': (string);
  'head': (string);
  'fromCursor': (Buffer);
  'toCursor': (Buffer);
  'rows': (_ferrykv_internal_v1_MigrationRow__Output)[];
  'releaseTs': (string);
  'maxKeys': (number);
  'throughSeq': (string);
  'rowsPacked': (Buffer);
  'safePoint': (string);
}
