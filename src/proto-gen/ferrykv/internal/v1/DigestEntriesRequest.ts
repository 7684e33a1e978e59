// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface DigestEntriesRequest {
  'groupId'?: (number);
  'digestId'?: (Buffer | Uint8Array | string);
  'index'?: (number | string | Long);
  'readTs'?: (number | string | Long);
  'starts'?: (Buffer | Uint8Array | string)[];
  'ends'?: (Buffer | Uint8Array | string)[];
  'maxEntries'?: (number);
}

export interface DigestEntriesRequest__Output {
  'groupId': (number);
  'digestId': (Buffer);
  'index': (string);
  'readTs': (string);
  'starts': (Buffer)[];
  'ends': (Buffer)[];
  'maxEntries': (number);
}
