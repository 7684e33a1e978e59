// Original file: proto/internal.proto

import type { CatalogRoute as _ferrykv_internal_v1_CatalogRoute, CatalogRoute__Output as _ferrykv_internal_v1_CatalogRoute__Output } from '../../../ferrykv/internal/v1/CatalogRoute.js';
import type { Long } from '@grpc/proto-loader';

export interface CatalogImage {
  'version'?: (number | string | Long);
  'nextRouteId'?: (number | string | Long);
  'routes'?: (_ferrykv_internal_v1_CatalogRoute)[];
}

export interface CatalogImage__Output {
  'version': (string);
  'nextRouteId': (string);
  'routes': (_ferrykv_internal_v1_CatalogRoute__Output)[];
}
