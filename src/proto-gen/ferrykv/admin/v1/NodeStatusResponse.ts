// Original file: proto/admin.proto

import type { GroupStatus as _ferrykv_admin_v1_GroupStatus, GroupStatus__Output as _ferrykv_admin_v1_GroupStatus__Output } from '../../../ferrykv/admin/v1/GroupStatus.js';
import type { PeerStatus as _ferrykv_admin_v1_PeerStatus, PeerStatus__Output as _ferrykv_admin_v1_PeerStatus__Output } from '../../../ferrykv/admin/v1/PeerStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface NodeStatusResponse {
  'nodeId'?: (number);
  'address'?: (string);
  'version'?: (string);
  'uptimeMs'?: (number | string | Long);
  'groups'?: (_ferrykv_admin_v1_GroupStatus)[];
  'peers'?: (_ferrykv_admin_v1_PeerStatus)[];
  'routeCacheVersion'?: (number | string | Long);
  'staleRouteRetries'?: (number | string | Long);
  'routeWatchOpen'?: (boolean);
  'migratingJobs'?: (number | string | Long)[];
}

export interface NodeStatusResponse__Output {
  'nodeId': (number);
  'address': (string);
  'version': (string);
  'uptimeMs': (string);
  'groups': (_ferrykv_admin_v1_GroupStatus__Output)[];
  'peers': (_ferrykv_admin_v1_PeerStatus__Output)[];
  'routeCacheVersion': (string);
  'staleRouteRetries': (string);
  'routeWatchOpen': (boolean);
  'migratingJobs': (string)[];
}
