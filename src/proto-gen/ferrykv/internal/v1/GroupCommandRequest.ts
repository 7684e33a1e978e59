// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface GroupCommandRequest {
  'groupId'?: (number);
  'command'?: (Buffer | Uint8Array | string);
  'readJobId'?: (number | string | Long);
}

export interface GroupCommandRequest__Output {
  'groupId': (number);
  'command': (Buffer);
  'readJobId': (string);
}
