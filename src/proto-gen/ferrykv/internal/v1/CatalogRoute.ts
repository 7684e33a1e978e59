// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface CatalogRoute {
  'routeId'?: (number | string | Long);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'groupId'?: (number);
  'state'?: (string);
  'version'?: (number | string | Long);
}

export interface CatalogRoute__Output {
  'routeId': (string);
  'start': (Buffer);
  'end': (Buffer);
  'groupId': (number);
  'state': (string);
  'version': (string);
}
