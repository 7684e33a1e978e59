// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/internal.proto

export const _ferrykv_internal_v1_CatalogCommand_Kind = {
  SPLIT: 'SPLIT',
  SET_STATE: 'SET_STATE',
  REASSIGN: 'REASSIGN',
} as const;

export type _ferrykv_internal_v1_CatalogCommand_Kind =
  | 'SPLIT'
  | 0
  | 'SET_STATE'
  | 1
  | 'REASSIGN'
  | 2

export type _ferrykv_internal_v1_CatalogCommand_Kind__Output = typeof _ferrykv_internal_v1_CatalogCommand_Kind[keyof typeof _ferrykv_internal_v1_CatalogCommand_Kind]

export interface CatalogCommand {
  'kind'?: (_ferrykv_internal_v1_CatalogCommand_Kind);
  'splitKey'?: (Buffer | Uint8Array | string);
  'expectedVersion'?: (number | string | Long);
  'routeId'?: (number | string | Long);
  'state'?: (string);
  'groupId'?: (number);
  'expectedRouteVersion'?: (number | string | Long);
}

export interface CatalogCommand__Output {
  'kind': (_ferrykv_internal_v1_CatalogCommand_Kind__Output);
  'splitKey': (Buffer);
  'expectedVersion': (string);
  'routeId': (string);
  'state': (string);
  'groupId': (number);
  'expectedRouteVersion': (string);
}
