// Original file: proto/ferrykv.proto

import type { Route as _ferrykv_v1_Route, Route__Output as _ferrykv_v1_Route__Output } from '../../ferrykv/v1/Route.js';
import type { GroupLeader as _ferrykv_v1_GroupLeader, GroupLeader__Output as _ferrykv_v1_GroupLeader__Output } from '../../ferrykv/v1/GroupLeader.js';
import type { Long } from '@grpc/proto-loader';

export interface ListRoutesResponse {
  'version'?: (number | string | Long);
  'routes'?: (_ferrykv_v1_Route)[];
  'leaders'?: (_ferrykv_v1_GroupLeader)[];
  'nodeId'?: (number);
}

export interface ListRoutesResponse__Output {
  'version': (string);
  'routes': (_ferrykv_v1_Route__Output)[];
  'leaders': (_ferrykv_v1_GroupLeader__Output)[];
  'nodeId': (number);
}
