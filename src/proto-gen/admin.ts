import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddMemberRequest as _ferrykv_admin_v1_AddMemberRequest, AddMemberRequest__Output as _ferrykv_admin_v1_AddMemberRequest__Output } from './ferrykv/admin/v1/AddMemberRequest.js';
import type { AdminClient as _ferrykv_admin_v1_AdminClient, AdminDefinition as _ferrykv_admin_v1_AdminDefinition } from './ferrykv/admin/v1/Admin.js';
import type { GroupStatus as _ferrykv_admin_v1_GroupStatus, GroupStatus__Output as _ferrykv_admin_v1_GroupStatus__Output } from './ferrykv/admin/v1/GroupStatus.js';
import type { MembershipResponse as _ferrykv_admin_v1_MembershipResponse, MembershipResponse__Output as _ferrykv_admin_v1_MembershipResponse__Output } from './ferrykv/admin/v1/MembershipResponse.js';
import type { NodeStatusRequest as _ferrykv_admin_v1_NodeStatusRequest, NodeStatusRequest__Output as _ferrykv_admin_v1_NodeStatusRequest__Output } from './ferrykv/admin/v1/NodeStatusRequest.js';
import type { NodeStatusResponse as _ferrykv_admin_v1_NodeStatusResponse, NodeStatusResponse__Output as _ferrykv_admin_v1_NodeStatusResponse__Output } from './ferrykv/admin/v1/NodeStatusResponse.js';
import type { PeerFault as _ferrykv_admin_v1_PeerFault, PeerFault__Output as _ferrykv_admin_v1_PeerFault__Output } from './ferrykv/admin/v1/PeerFault.js';
import type { PeerStatus as _ferrykv_admin_v1_PeerStatus, PeerStatus__Output as _ferrykv_admin_v1_PeerStatus__Output } from './ferrykv/admin/v1/PeerStatus.js';
import type { ProgressStatus as _ferrykv_admin_v1_ProgressStatus, ProgressStatus__Output as _ferrykv_admin_v1_ProgressStatus__Output } from './ferrykv/admin/v1/ProgressStatus.js';
import type { PromoteMemberRequest as _ferrykv_admin_v1_PromoteMemberRequest, PromoteMemberRequest__Output as _ferrykv_admin_v1_PromoteMemberRequest__Output } from './ferrykv/admin/v1/PromoteMemberRequest.js';
import type { RemoveMemberRequest as _ferrykv_admin_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _ferrykv_admin_v1_RemoveMemberRequest__Output } from './ferrykv/admin/v1/RemoveMemberRequest.js';
import type { SetFaultsRequest as _ferrykv_admin_v1_SetFaultsRequest, SetFaultsRequest__Output as _ferrykv_admin_v1_SetFaultsRequest__Output } from './ferrykv/admin/v1/SetFaultsRequest.js';
import type { SetFaultsResponse as _ferrykv_admin_v1_SetFaultsResponse, SetFaultsResponse__Output as _ferrykv_admin_v1_SetFaultsResponse__Output } from './ferrykv/admin/v1/SetFaultsResponse.js';
import type { TransferLeaderRequest as _ferrykv_admin_v1_TransferLeaderRequest, TransferLeaderRequest__Output as _ferrykv_admin_v1_TransferLeaderRequest__Output } from './ferrykv/admin/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse as _ferrykv_admin_v1_TransferLeaderResponse, TransferLeaderResponse__Output as _ferrykv_admin_v1_TransferLeaderResponse__Output } from './ferrykv/admin/v1/TransferLeaderResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ferrykv: {
    admin: {
      v1: {
        AddMemberRequest: MessageTypeDefinition<_ferrykv_admin_v1_AddMemberRequest, _ferrykv_admin_v1_AddMemberRequest__Output>
        Admin: SubtypeConstructor<typeof grpc.Client, _ferrykv_admin_v1_AdminClient> & { service: _ferrykv_admin_v1_AdminDefinition }
        GroupStatus: MessageTypeDefinition<_ferrykv_admin_v1_GroupStatus, _ferrykv_admin_v1_GroupStatus__Output>
        MembershipResponse: MessageTypeDefinition<_ferrykv_admin_v1_MembershipResponse, _ferrykv_admin_v1_MembershipResponse__Output>
        NodeStatusRequest: MessageTypeDefinition<_ferrykv_admin_v1_NodeStatusRequest, _ferrykv_admin_v1_NodeStatusRequest__Output>
        NodeStatusResponse: MessageTypeDefinition<_ferrykv_admin_v1_NodeStatusResponse, _ferrykv_admin_v1_NodeStatusResponse__Output>
        PeerFault: MessageTypeDefinition<_ferrykv_admin_v1_PeerFault, _ferrykv_admin_v1_PeerFault__Output>
        PeerStatus: MessageTypeDefinition<_ferrykv_admin_v1_PeerStatus, _ferrykv_admin_v1_PeerStatus__Output>
        ProgressStatus: MessageTypeDefinition<_ferrykv_admin_v1_ProgressStatus, _ferrykv_admin_v1_ProgressStatus__Output>
        PromoteMemberRequest: MessageTypeDefinition<_ferrykv_admin_v1_PromoteMemberRequest, _ferrykv_admin_v1_PromoteMemberRequest__Output>
        RemoveMemberRequest: MessageTypeDefinition<_ferrykv_admin_v1_RemoveMemberRequest, _ferrykv_admin_v1_RemoveMemberRequest__Output>
        SetFaultsRequest: MessageTypeDefinition<_ferrykv_admin_v1_SetFaultsRequest, _ferrykv_admin_v1_SetFaultsRequest__Output>
        SetFaultsResponse: MessageTypeDefinition<_ferrykv_admin_v1_SetFaultsResponse, _ferrykv_admin_v1_SetFaultsResponse__Output>
        TransferLeaderRequest: MessageTypeDefinition<_ferrykv_admin_v1_TransferLeaderRequest, _ferrykv_admin_v1_TransferLeaderRequest__Output>
        TransferLeaderResponse: MessageTypeDefinition<_ferrykv_admin_v1_TransferLeaderResponse, _ferrykv_admin_v1_TransferLeaderResponse__Output>
      }
    }
  }
}

