// Original file: proto/admin.proto

import type { PeerFault as _ferrykv_admin_v1_PeerFault, PeerFault__Output as _ferrykv_admin_v1_PeerFault__Output } from '../../../ferrykv/admin/v1/PeerFault.js';
import type { Route as _ferrykv_v1_Route, Route__Output as _ferrykv_v1_Route__Output } from '../../../ferrykv/v1/Route.js';

export interface SetFaultsRequest {
  'faults'?: (_ferrykv_admin_v1_PeerFault)[];
  'pauseRouteWatch'?: (boolean);
  'staleRoutes'?: (_ferrykv_v1_Route)[];
  'pauseMigrationAt'?: (string);
  'pauseTxnAfterPrewrite'?: (boolean);
}

export interface SetFaultsRequest__Output {
  'faults': (_ferrykv_admin_v1_PeerFault__Output)[];
  'pauseRouteWatch': (boolean);
  'staleRoutes': (_ferrykv_v1_Route__Output)[];
  'pauseMigrationAt': (string);
  'pauseTxnAfterPrewrite': (boolean);
}
