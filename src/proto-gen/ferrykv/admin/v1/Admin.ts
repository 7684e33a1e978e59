// Original file: proto/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AbandonSplitJobRequest as _ferrykv_admin_v1_AbandonSplitJobRequest, AbandonSplitJobRequest__Output as _ferrykv_admin_v1_AbandonSplitJobRequest__Output } from '../../../ferrykv/admin/v1/AbandonSplitJobRequest.js';
import type { AddMemberRequest as _ferrykv_admin_v1_AddMemberRequest, AddMemberRequest__Output as _ferrykv_admin_v1_AddMemberRequest__Output } from '../../../ferrykv/admin/v1/AddMemberRequest.js';
import type { GetSplitJobRequest as _ferrykv_admin_v1_GetSplitJobRequest, GetSplitJobRequest__Output as _ferrykv_admin_v1_GetSplitJobRequest__Output } from '../../../ferrykv/admin/v1/GetSplitJobRequest.js';
import type { ListRoutesRequest as _ferrykv_v1_ListRoutesRequest, ListRoutesRequest__Output as _ferrykv_v1_ListRoutesRequest__Output } from '../../../ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse as _ferrykv_v1_ListRoutesResponse, ListRoutesResponse__Output as _ferrykv_v1_ListRoutesResponse__Output } from '../../../ferrykv/v1/ListRoutesResponse.js';
import type { ListSplitJobsRequest as _ferrykv_admin_v1_ListSplitJobsRequest, ListSplitJobsRequest__Output as _ferrykv_admin_v1_ListSplitJobsRequest__Output } from '../../../ferrykv/admin/v1/ListSplitJobsRequest.js';
import type { ListSplitJobsResponse as _ferrykv_admin_v1_ListSplitJobsResponse, ListSplitJobsResponse__Output as _ferrykv_admin_v1_ListSplitJobsResponse__Output } from '../../../ferrykv/admin/v1/ListSplitJobsResponse.js';
import type { MembershipResponse as _ferrykv_admin_v1_MembershipResponse, MembershipResponse__Output as _ferrykv_admin_v1_MembershipResponse__Output } from '../../../ferrykv/admin/v1/MembershipResponse.js';
import type { NodeStatusRequest as _ferrykv_admin_v1_NodeStatusRequest, NodeStatusRequest__Output as _ferrykv_admin_v1_NodeStatusRequest__Output } from '../../../ferrykv/admin/v1/NodeStatusRequest.js';
import type { NodeStatusResponse as _ferrykv_admin_v1_NodeStatusResponse, NodeStatusResponse__Output as _ferrykv_admin_v1_NodeStatusResponse__Output } from '../../../ferrykv/admin/v1/NodeStatusResponse.js';
import type { PromoteMemberRequest as _ferrykv_admin_v1_PromoteMemberRequest, PromoteMemberRequest__Output as _ferrykv_admin_v1_PromoteMemberRequest__Output } from '../../../ferrykv/admin/v1/PromoteMemberRequest.js';
import type { RemoveMemberRequest as _ferrykv_admin_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _ferrykv_admin_v1_RemoveMemberRequest__Output } from '../../../ferrykv/admin/v1/RemoveMemberRequest.js';
import type { SetFaultsRequest as _ferrykv_admin_v1_SetFaultsRequest, SetFaultsRequest__Output as _ferrykv_admin_v1_SetFaultsRequest__Output } from '../../../ferrykv/admin/v1/SetFaultsRequest.js';
import type { SetFaultsResponse as _ferrykv_admin_v1_SetFaultsResponse, SetFaultsResponse__Output as _ferrykv_admin_v1_SetFaultsResponse__Output } from '../../../ferrykv/admin/v1/SetFaultsResponse.js';
import type { SplitJob as _ferrykv_admin_v1_SplitJob, SplitJob__Output as _ferrykv_admin_v1_SplitJob__Output } from '../../../ferrykv/admin/v1/SplitJob.js';
import type { SplitRangeRequest as _ferrykv_admin_v1_SplitRangeRequest, SplitRangeRequest__Output as _ferrykv_admin_v1_SplitRangeRequest__Output } from '../../../ferrykv/admin/v1/SplitRangeRequest.js';
import type { SplitRangeResponse as _ferrykv_admin_v1_SplitRangeResponse, SplitRangeResponse__Output as _ferrykv_admin_v1_SplitRangeResponse__Output } from '../../../ferrykv/admin/v1/SplitRangeResponse.js';
import type { StartSplitMigrationRequest as _ferrykv_admin_v1_StartSplitMigrationRequest, StartSplitMigrationRequest__Output as _ferrykv_admin_v1_StartSplitMigrationRequest__Output } from '../../../ferrykv/admin/v1/StartSplitMigrationRequest.js';
import type { TransferLeaderRequest as _ferrykv_admin_v1_TransferLeaderRequest, TransferLeaderRequest__Output as _ferrykv_admin_v1_TransferLeaderRequest__Output } from '../../../ferrykv/admin/v1/TransferLeaderRequest.js';
import type { TransferLeaderResponse as _ferrykv_admin_v1_TransferLeaderResponse, TransferLeaderResponse__Output as _ferrykv_admin_v1_TransferLeaderResponse__Output } from '../../../ferrykv/admin/v1/TransferLeaderResponse.js';
import type { VerifyRangeRequest as _ferrykv_admin_v1_VerifyRangeRequest, VerifyRangeRequest__Output as _ferrykv_admin_v1_VerifyRangeRequest__Output } from '../../../ferrykv/admin/v1/VerifyRangeRequest.js';
import type { VerifyRangeResponse as _ferrykv_admin_v1_VerifyRangeResponse, VerifyRangeResponse__Output as _ferrykv_admin_v1_VerifyRangeResponse__Output } from '../../../ferrykv/admin/v1/VerifyRangeResponse.js';

export interface AdminClient extends grpc.Client {
  AbandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  AbandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  AbandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  AbandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  abandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  abandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  abandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  abandonSplitJob(argument: _ferrykv_admin_v1_AbandonSplitJobRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  
  AddMember(argument: _ferrykv_admin_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _ferrykv_admin_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _ferrykv_admin_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _ferrykv_admin_v1_AddMemberRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _ferrykv_admin_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _ferrykv_admin_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _ferrykv_admin_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _ferrykv_admin_v1_AddMemberRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  
  GetSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  GetSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  GetSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  GetSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  getSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  getSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  getSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  getSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  
  ListSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  ListSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  ListSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  ListSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  listSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  listSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  listSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  listSplitJobs(argument: _ferrykv_admin_v1_ListSplitJobsRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_ListSplitJobsResponse__Output>): grpc.ClientUnaryCall;
  
  NodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _ferrykv_admin_v1_NodeStatusRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  
  PromoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _ferrykv_admin_v1_PromoteMemberRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _ferrykv_admin_v1_RemoveMemberRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_MembershipResponse__Output>): grpc.ClientUnaryCall;
  
  RepairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  RepairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  RepairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  RepairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  repairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  repairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  repairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  repairSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  
  SetFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  SetFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  SetFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  SetFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  setFaults(argument: _ferrykv_admin_v1_SetFaultsRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SetFaultsResponse__Output>): grpc.ClientUnaryCall;
  
  SplitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  SplitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  SplitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  SplitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  splitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  splitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  splitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  splitRange(argument: _ferrykv_admin_v1_SplitRangeRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitRangeResponse__Output>): grpc.ClientUnaryCall;
  
  StartSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  StartSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  StartSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  StartSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  startSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  startSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  startSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  startSplitMigration(argument: _ferrykv_admin_v1_StartSplitMigrationRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_SplitJob__Output>): grpc.ClientUnaryCall;
  
  TransferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  TransferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  transferLeader(argument: _ferrykv_admin_v1_TransferLeaderRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_TransferLeaderResponse__Output>): grpc.ClientUnaryCall;
  
  VerifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  VerifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  VerifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  VerifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  verifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  verifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  verifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  verifyRange(argument: _ferrykv_admin_v1_VerifyRangeRequest, callback: grpc.requestCallback<_ferrykv_admin_v1_VerifyRangeResponse__Output>): grpc.ClientUnaryCall;
  
  WatchSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_admin_v1_SplitJob__Output>;
  WatchSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_admin_v1_SplitJob__Output>;
  watchSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_admin_v1_SplitJob__Output>;
  watchSplitJob(argument: _ferrykv_admin_v1_GetSplitJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_admin_v1_SplitJob__Output>;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  AbandonSplitJob: grpc.handleUnaryCall<_ferrykv_admin_v1_AbandonSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob>;
  
  AddMember: grpc.handleUnaryCall<_ferrykv_admin_v1_AddMemberRequest__Output, _ferrykv_admin_v1_MembershipResponse>;
  
  GetSplitJob: grpc.handleUnaryCall<_ferrykv_admin_v1_GetSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob>;
  
  ListRoutes: grpc.handleUnaryCall<_ferrykv_v1_ListRoutesRequest__Output, _ferrykv_v1_ListRoutesResponse>;
  
  ListSplitJobs: grpc.handleUnaryCall<_ferrykv_admin_v1_ListSplitJobsRequest__Output, _ferrykv_admin_v1_ListSplitJobsResponse>;
  
  NodeStatus: grpc.handleUnaryCall<_ferrykv_admin_v1_NodeStatusRequest__Output, _ferrykv_admin_v1_NodeStatusResponse>;
  
  PromoteMember: grpc.handleUnaryCall<_ferrykv_admin_v1_PromoteMemberRequest__Output, _ferrykv_admin_v1_MembershipResponse>;
  
  RemoveMember: grpc.handleUnaryCall<_ferrykv_admin_v1_RemoveMemberRequest__Output, _ferrykv_admin_v1_MembershipResponse>;
  
  RepairSplitJob: grpc.handleUnaryCall<_ferrykv_admin_v1_GetSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob>;
  
  SetFaults: grpc.handleUnaryCall<_ferrykv_admin_v1_SetFaultsRequest__Output, _ferrykv_admin_v1_SetFaultsResponse>;
  
  SplitRange: grpc.handleUnaryCall<_ferrykv_admin_v1_SplitRangeRequest__Output, _ferrykv_admin_v1_SplitRangeResponse>;
  
  StartSplitMigration: grpc.handleUnaryCall<_ferrykv_admin_v1_StartSplitMigrationRequest__Output, _ferrykv_admin_v1_SplitJob>;
  
  TransferLeader: grpc.handleUnaryCall<_ferrykv_admin_v1_TransferLeaderRequest__Output, _ferrykv_admin_v1_TransferLeaderResponse>;
  
  VerifyRange: grpc.handleUnaryCall<_ferrykv_admin_v1_VerifyRangeRequest__Output, _ferrykv_admin_v1_VerifyRangeResponse>;
  
  WatchSplitJob: grpc.handleServerStreamingCall<_ferrykv_admin_v1_GetSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  AbandonSplitJob: MethodDefinition<_ferrykv_admin_v1_AbandonSplitJobRequest, _ferrykv_admin_v1_SplitJob, _ferrykv_admin_v1_AbandonSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob__Output>
  AddMember: MethodDefinition<_ferrykv_admin_v1_AddMemberRequest, _ferrykv_admin_v1_MembershipResponse, _ferrykv_admin_v1_AddMemberRequest__Output, _ferrykv_admin_v1_MembershipResponse__Output>
  GetSplitJob: MethodDefinition<_ferrykv_admin_v1_GetSplitJobRequest, _ferrykv_admin_v1_SplitJob, _ferrykv_admin_v1_GetSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob__Output>
  ListRoutes: MethodDefinition<_ferrykv_v1_ListRoutesRequest, _ferrykv_v1_ListRoutesResponse, _ferrykv_v1_ListRoutesRequest__Output, _ferrykv_v1_ListRoutesResponse__Output>
  ListSplitJobs: MethodDefinition<_ferrykv_admin_v1_ListSplitJobsRequest, _ferrykv_admin_v1_ListSplitJobsResponse, _ferrykv_admin_v1_ListSplitJobsRequest__Output, _ferrykv_admin_v1_ListSplitJobsResponse__Output>
  NodeStatus: MethodDefinition<_ferrykv_admin_v1_NodeStatusRequest, _ferrykv_admin_v1_NodeStatusResponse, _ferrykv_admin_v1_NodeStatusRequest__Output, _ferrykv_admin_v1_NodeStatusResponse__Output>
  PromoteMember: MethodDefinition<_ferrykv_admin_v1_PromoteMemberRequest, _ferrykv_admin_v1_MembershipResponse, _ferrykv_admin_v1_PromoteMemberRequest__Output, _ferrykv_admin_v1_MembershipResponse__Output>
  RemoveMember: MethodDefinition<_ferrykv_admin_v1_RemoveMemberRequest, _ferrykv_admin_v1_MembershipResponse, _ferrykv_admin_v1_RemoveMemberRequest__Output, _ferrykv_admin_v1_MembershipResponse__Output>
  RepairSplitJob: MethodDefinition<_ferrykv_admin_v1_GetSplitJobRequest, _ferrykv_admin_v1_SplitJob, _ferrykv_admin_v1_GetSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob__Output>
  SetFaults: MethodDefinition<_ferrykv_admin_v1_SetFaultsRequest, _ferrykv_admin_v1_SetFaultsResponse, _ferrykv_admin_v1_SetFaultsRequest__Output, _ferrykv_admin_v1_SetFaultsResponse__Output>
  SplitRange: MethodDefinition<_ferrykv_admin_v1_SplitRangeRequest, _ferrykv_admin_v1_SplitRangeResponse, _ferrykv_admin_v1_SplitRangeRequest__Output, _ferrykv_admin_v1_SplitRangeResponse__Output>
  StartSplitMigration: MethodDefinition<_ferrykv_admin_v1_StartSplitMigrationRequest, _ferrykv_admin_v1_SplitJob, _ferrykv_admin_v1_StartSplitMigrationRequest__Output, _ferrykv_admin_v1_SplitJob__Output>
  TransferLeader: MethodDefinition<_ferrykv_admin_v1_TransferLeaderRequest, _ferrykv_admin_v1_TransferLeaderResponse, _ferrykv_admin_v1_TransferLeaderRequest__Output, _ferrykv_admin_v1_TransferLeaderResponse__Output>
  VerifyRange: MethodDefinition<_ferrykv_admin_v1_VerifyRangeRequest, _ferrykv_admin_v1_VerifyRangeResponse, _ferrykv_admin_v1_VerifyRangeRequest__Output, _ferrykv_admin_v1_VerifyRangeResponse__Output>
  WatchSplitJob: MethodDefinition<_ferrykv_admin_v1_GetSplitJobRequest, _ferrykv_admin_v1_SplitJob, _ferrykv_admin_v1_GetSplitJobRequest__Output, _ferrykv_admin_v1_SplitJob__Output>
}
