// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'startTs'?: (number | string | Long);
  'prevKv'?: (boolean);
  'noPut'?: (boolean);
  'noDelete'?: (boolean);
  'progressMs'?: (number);
}

export interface WatchRequest__Output {
  'start': (Buffer);
  'end': (Buffer);
  'startTs': (string);
  'prevKv': (boolean);
  'noPut': (boolean);
  'noDelete': (boolean);
  'progressMs': (number);
}
