// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/ferrykv.proto

export const _ferrykv_v1_Error_Code = {
  UNKNOWN: 'UNKNOWN',
  NOT_LEADER: 'NOT_LEADER',
  NOT_OWNER: 'NOT_OWNER',
  ROUTE_MOVED: 'ROUTE_MOVED',
  RANGE_PENDING: 'RANGE_PENDING',
  WRITE_FENCED: 'WRITE_FENCED',
  TXN_CONFLICT: 'TXN_CONFLICT',
  ABORTED: 'ABORTED',
  OVERLOADED: 'OVERLOADED',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  UNAVAILABLE: 'UNAVAILABLE',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  UNKNOWN_RESULT: 'UNKNOWN_RESULT',
  INTERNAL: 'INTERNAL',
} as const;

export type _ferrykv_v1_Error_Code =
  | 'UNKNOWN'
  | 0
  | 'NOT_LEADER'
  | 1
  | 'NOT_OWNER'
  | 2
  | 'ROUTE_MOVED'
  | 3
  | 'RANGE_PENDING'
  | 4
  | 'WRITE_FENCED'
  | 5
  | 'TXN_CONFLICT'
  | 6
  | 'ABORTED'
  | 7
  | 'OVERLOADED'
  | 8
  | 'INVALID_ARGUMENT'
  | 9
  | 'UNAVAILABLE'
  | 10
  | 'DEADLINE_EXCEEDED'
  | 11
  | 'UNKNOWN_RESULT'
  | 12
  | 'INTERNAL'
  | 13

export type _ferrykv_v1_Error_Code__Output = typeof _ferrykv_v1_Error_Code[keyof typeof _ferrykv_v1_Error_Code]

export interface Error {
  'code'?: (_ferrykv_v1_Error_Code);
  'message'?: (string);
  'leaderNodeId'?: (number);
  'leaderAddress'?: (string);
  'ownedStart'?: (Buffer | Uint8Array | string);
  'ownedEnd'?: (Buffer | Uint8Array | string);
  'groupId'?: (number);
  'jobId'?: (number | string | Long);
  'retryAfterMs'?: (number);
  'field'?: (string);
  'reason'?: (string);
  'safePoint'?: (number | string | Long);
  'conflictingKey'?: (Buffer | Uint8Array | string);
  'retryTs'?: (number | string | Long);
}

export interface Error__Output {
  'code': (_ferrykv_v1_Error_Code__Output);
  'message': (string);
  'leaderNodeId': (number);
  'leaderAddress': (string);
  'ownedStart': (Buffer);
  'ownedEnd': (Buffer);
  'groupId': (number);
  'jobId': (string);
  'retryAfterMs': (number);
  'field': (string);
  'reason': (string);
  'safePoint': (string);
  'conflictingKey': (Buffer);
  'retryTs': (string);
}
