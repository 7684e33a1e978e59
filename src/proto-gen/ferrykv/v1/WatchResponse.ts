// Original file: proto/ferrykv.proto

import type { WatchEvent as _ferrykv_v1_WatchEvent, WatchEvent__Output as _ferrykv_v1_WatchEvent__Output } from '../../ferrykv/v1/WatchEvent.js';
import type { WatchMoved as _ferrykv_v1_WatchMoved, WatchMoved__Output as _ferrykv_v1_WatchMoved__Output } from '../../ferrykv/v1/WatchMoved.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchResponse {
  'created'?: (boolean);
  'groupId'?: (number);
  'servedEnd'?: (Buffer | Uint8Array | string);
  'events'?: (_ferrykv_v1_WatchEvent)[];
  'resolvedTs'?: (number | string | Long);
  'moved'?: (_ferrykv_v1_WatchMoved | null);
}

export interface WatchResponse__Output {
  'created': (boolean);
  'groupId': (number);
  'servedEnd': (Buffer);
  'events': (_ferrykv_v1_WatchEvent__Output)[];
  'resolvedTs': (string);
  'moved': (_ferrykv_v1_WatchMoved__Output | null);
}
