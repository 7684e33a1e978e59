// Original file: proto/internal.proto

import type { CatalogCommand as _ferrykv_internal_v1_CatalogCommand, CatalogCommand__Output as _ferrykv_internal_v1_CatalogCommand__Output } from '../../../ferrykv/internal/v1/CatalogCommand.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/internal.proto

export const _ferrykv_internal_v1_JobCommand_Kind = {
  CREATE: 'CREATE',
  UPDATE: 'UPDATE',
} as const;

export type _ferrykv_internal_v1_JobCommand_Kind =
  | 'CREATE'
  | 0
  | 'UPDATE'
  | 1

export type _ferrykv_internal_v1_JobCommand_Kind__Output = typeof _ferrykv_internal_v1_JobCommand_Kind[keyof typeof _ferrykv_internal_v1_JobCommand_Kind]

export interface JobCommand {
  'kind'?: (_ferrykv_internal_v1_JobCommand_Kind);
  'recordJson'?: (string);
  'expectedVersion'?: (number | string | Long);
  'catalog'?: (_ferrykv_internal_v1_CatalogCommand | null);
  'maxLiveJobs'?: (number);
}

export interface JobCommand__Output {
  'kind': (_ferrykv_internal_v1_JobCommand_Kind__Output);
  'recordJson': (string);
  'expectedVersion': (string);
  'catalog': (_ferrykv_internal_v1_CatalogCommand__Output | null);
  'maxLiveJobs': (number);
}
