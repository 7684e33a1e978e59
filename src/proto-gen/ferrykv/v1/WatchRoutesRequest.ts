// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRoutesRequest {
  'fromVersion'?: (number | string | Long);
}

export interface WatchRoutesRequest__Output {
  'fromVersion': (string);
}
