// Original file: proto/internal.proto

import type { MigrationRow as _ferrykv_internal_v1_MigrationRow, MigrationRow__Output as _ferrykv_internal_v1_MigrationRow__Output } from '../../../ferrykv/internal/v1/MigrationRow.js';
import type { Long } from '@grpc/proto-loader';

export interface ImportRangeRequest {
  'groupId'?: (number);
  'jobId'?: (number | string | Long);
  'attempt'?: (number);
  'fromCursor'?: (Buffer | Uint8Array | string);
  'toCursor'?: (Buffer | Uint8Array | string);
  'rows'?: (_ferrykv_internal_v1_MigrationRow)[];
  'rowsPacked'?: (Buffer | Uint8Array | string);
}

export interface ImportRangeRequest__Output {
  'groupId': (number);
  'jobId': (string);
  'attempt': (number);
  'fromCursor': (Buffer);
  'toCursor': (Buffer);
  'rows': (_ferrykv_internal_v1_MigrationRow__Output)[];
  'rowsPacked': (Buffer);
}
