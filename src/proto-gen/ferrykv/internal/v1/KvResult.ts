// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface KvResult {
  'commitTs'?: (number | string | Long);
  'succeeded'?: (boolean);
  'currentFound'?: (boolean);
  'current'?: (Buffer | Uint8Array | string);
  'deleted'?: (number | string | Long);
  'resumeKey'?: (Buffer | Uint8Array | string);
  'more'?: (boolean);
}

export interface KvResult__Output {
  'commitTs': (string);
  'succeeded': (boolean);
  'currentFound': (boolean);
  'current': (Buffer);
  'deleted': (string);
  'resumeKey': (Buffer);
  'more': (boolean);
}
