// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface DigestLeavesResponse {
  'boundaries'?: (Buffer | Uint8Array | string)[];
  'hashes'?: (Buffer | Uint8Array | string)[];
  'counts'?: (number)[];
  'bytes'?: (number | string | Long);
}

export interface DigestLeavesResponse__Output {
  'boundaries': (Buffer)[];
  'hashes': (Buffer)[];
  'counts': (number)[];
  'bytes': (string);
}
