// Original file: proto/internal.proto

import type { CatalogRoute as _ferrykv_internal_v1_CatalogRoute, CatalogRoute__Output as _ferrykv_internal_v1_CatalogRoute__Output } from '../../../ferrykv/internal/v1/CatalogRoute.js';
import type { Long } from '@grpc/proto-loader';

export interface KvResult {
  'commitTs'?: (number | string | Long);
  'succeeded'?: (boolean);
  'currentFound'?: (boolean);
  'current'?: (Buffer | Uint8Array | string);
  'deleted'?: (number | string | Long);
  'resumeKey'?: (Buffer | Uint8Array | string);
  'more'?: (boolean);
  'errorCode'?: (string);
  'errorMessage'?: (string);
  'ownedStart'?: (Buffer | Uint8Array | string);
  'ownedEnd'?: (Buffer | Uint8Array | string);
  'hasOwned'?: (boolean);
  'catalogVersion'?: (number | string | Long);
  'routes'?: (_ferrykv_internal_v1_CatalogRoute)[];
  'stateJson'?: (string);
  'retryAfterMs'?: (number);
  'jobId'?: (number | string | Long);
  'movedToGroup'?: (number);
  'index'?: (number | string | Long);
  'txnStatus'?: (string);
  'minCommitTs'?: (number | string | Long);
  'conflictKey'?: (Buffer | Uint8Array | string);
  'lockFound'?: (boolean);
  'lockPrimary'?: (Buffer | Uint8Array | string);
  'lockStartTs'?: (number | string | Long);
  'lockExpiresMs'?: (number | string | Long);
}

export interface KvResult__Output {
  'commitTs': (string);
  'succeeded': (boolean);
  'currentFound': (boolean);
  'current': (Buffer);
  'deleted': (string);
  'resumeKey': (Buffer);
  'more': (boolean);
  'errorCode': (string);
  'errorMessage': (string);
  'ownedStart': (Buffer);
  'ownedEnd': (Buffer);
  'hasOwned': (boolean);
  'catalogVersion': (string);
  'routes': (_ferrykv_internal_v1_CatalogRoute__Output)[];
  'stateJson': (string);
  'retryAfterMs': (number);
  'jobId': (string);
  'movedToGroup': (number);
  'index': (string);
  'txnStatus': (string);
  'minCommitTs': (string);
  'conflictKey': (Buffer);
  'lockFound': (boolean);
  'lockPrimary': (Buffer);
  'lockStartTs': (string);
  'lockExpiresMs': (string);
}
