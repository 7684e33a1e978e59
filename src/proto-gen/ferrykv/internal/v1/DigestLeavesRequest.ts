// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface DigestLeavesRequest {
  'groupId'?: (number);
  'digestId'?: (Buffer | Uint8Array | string);
  'index'?: (number | string | Long);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'readTs'?: (number | string | Long);
  'boundaries'?: (Buffer | Uint8Array | string)[];
  'maxLeafBytes'?: (number);
  'rateLimitBytesPerSec'?: (number | string | Long);
  'versionsUpTo'?: (boolean);
  'excludeKeys'?: (Buffer | Uint8Array | string)[];
}

export interface DigestLeavesRequest__Output {
  'groupId': (number);
  'digestId': (Buffer);
  'index': (string);
  'start': (Buffer);
  'end': (Buffer);
  'readTs': (string);
  'boundaries': (Buffer)[];
  'maxLeafBytes': (number);
  'rateLimitBytesPerSec': (string);
  'versionsUpTo': (boolean);
  'excludeKeys': (Buffer)[];
}
