// Original file: proto/internal.proto

import type { MigrationRow as _ferrykv_internal_v1_MigrationRow, MigrationRow__Output as _ferrykv_internal_v1_MigrationRow__Output } from '../../../ferrykv/internal/v1/MigrationRow.js';
import type { Long } from '@grpc/proto-loader';

export interface ExportRangeChunk {
  'rows'?: (_ferrykv_internal_v1_MigrationRow)[];
  'nextCursor'?: (Buffer | Uint8Array | string);
  'lastSeq'?: (number | string | Long);
  'done'?: (boolean);
  'scannedBytes'?: (number | string | Long);
  'rowsPacked'?: (Buffer | Uint8Array | string);
}

export interface ExportRangeChunk__Output {
  'rows': (_ferrykv_internal_v1_MigrationRow__Output)[];
  'nextCursor': (Buffer);
  'lastSeq': (string);
  'done': (boolean);
  'scannedBytes': (string);
  'rowsPacked': (Buffer);
}
