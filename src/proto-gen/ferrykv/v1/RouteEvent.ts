// Original file: proto/ferrykv.proto

import type { Route as _ferrykv_v1_Route, Route__Output as _ferrykv_v1_Route__Output } from '../../ferrykv/v1/Route.js';
import type { Long } from '@grpc/proto-loader';

export interface RouteEvent {
  'version'?: (number | string | Long);
  'reset'?: (boolean);
  'routes'?: (_ferrykv_v1_Route)[];
}

export interface RouteEvent__Output {
  'version': (string);
  'reset': (boolean);
  'routes': (_ferrykv_v1_Route__Output)[];
}
