// Original file: proto/admin.proto

import type { Route as _ferrykv_v1_Route, Route__Output as _ferrykv_v1_Route__Output } from '../../../ferrykv/v1/Route.js';
import type { Long } from '@grpc/proto-loader';

export interface SplitRangeResponse {
  'version'?: (number | string | Long);
  'alreadySplit'?: (boolean);
  'left'?: (_ferrykv_v1_Route | null);
  'right'?: (_ferrykv_v1_Route | null);
}

export interface SplitRangeResponse__Output {
  'version': (string);
  'alreadySplit': (boolean);
  'left': (_ferrykv_v1_Route__Output | null);
  'right': (_ferrykv_v1_Route__Output | null);
}
