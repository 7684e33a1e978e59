// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchMoved {
  'groupId'?: (number);
  'atTs'?: (number | string | Long);
}

export interface WatchMoved__Output {
  'groupId': (number);
  'atTs': (string);
}
