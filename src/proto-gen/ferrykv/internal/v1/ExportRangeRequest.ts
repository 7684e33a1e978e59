// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/internal.proto

export const _ferrykv_internal_v1_ExportRangeRequest_Mode = {
  BACKFILL: 'BACKFILL',
  CHANGE_LOG: 'CHANGE_LOG',
  VERIFY: 'VERIFY',
} as const;

export type _ferrykv_internal_v1_ExportRangeRequest_Mode =
  | 'BACKFILL'
  | 0
  | 'CHANGE_LOG'
  | 1
  | 'VERIFY'
  | 2

export type _ferrykv_internal_v1_ExportRangeRequest_Mode__Output = typeof _ferrykv_internal_v1_ExportRangeRequest_Mode[keyof typeof _ferrykv_internal_v1_ExportRangeRequest_Mode]

export interface ExportRangeRequest {
  'groupId'?: (number);
  'jobId'?: (number | string | Long);
  'attempt'?: (number);
  'mode'?: (_ferrykv_internal_v1_ExportRangeRequest_Mode);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'cursor'?: (Buffer | Uint8Array | string);
  'afterSeq'?: (number | string | Long);
  'chunkBytes'?: (number);
  'rateLimitBytesPerSec'?: (number | string | Long);
  'maxTs'?: (number | string | Long);
  'minApplied'?: (number | string | Long);
}

export interface ExportRangeRequest__Output {
  'groupId': (number);
  'jobId': (string);
  'attempt': (number);
  'mode': (_ferrykv_internal_v1_ExportRangeRequest_Mode__Output);
  'start': (Buffer);
  'end': (Buffer);
  'cursor': (Buffer);
  'afterSeq': (string);
  'chunkBytes': (number);
  'rateLimitBytesPerSec': (string);
  'maxTs': (string);
  'minApplied': (string);
}
