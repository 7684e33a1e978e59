// Original file: proto/admin.proto

import type { PeerFault as _ferrykv_admin_v1_PeerFault, PeerFault__Output as _ferrykv_admin_v1_PeerFault__Output } from '../../../ferrykv/admin/v1/PeerFault.js';

export interface SetFaultsRequest {
  'faults'?: (_ferrykv_admin_v1_PeerFault)[];
}

export interface SetFaultsRequest__Output {
  'faults': (_ferrykv_admin_v1_PeerFault__Output)[];
}
