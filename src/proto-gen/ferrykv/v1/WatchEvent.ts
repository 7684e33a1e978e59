// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/ferrykv.proto

export const _ferrykv_v1_WatchEvent_Type = {
  PUT: 'PUT',
  DELETE: 'DELETE',
} as const;

export type _ferrykv_v1_WatchEvent_Type =
  | 'PUT'
  | 0
  | 'DELETE'
  | 1

export type _ferrykv_v1_WatchEvent_Type__Output = typeof _ferrykv_v1_WatchEvent_Type[keyof typeof _ferrykv_v1_WatchEvent_Type]

export interface WatchEvent {
  'type'?: (_ferrykv_v1_WatchEvent_Type);
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'commitTs'?: (number | string | Long);
  'hasPrev'?: (boolean);
  'prevValue'?: (Buffer | Uint8Array | string);
}

export interface WatchEvent__Output {
  'type': (_ferrykv_v1_WatchEvent_Type__Output);
  'key': (Buffer);
  'value': (Buffer);
  'commitTs': (string);
  'hasPrev': (boolean);
  'prevValue': (Buffer);
}
