// Original file: proto/internal.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DigestEntriesRequest as _ferrykv_internal_v1_DigestEntriesRequest, DigestEntriesRequest__Output as _ferrykv_internal_v1_DigestEntriesRequest__Output } from '../../../ferrykv/internal/v1/DigestEntriesRequest.js';
import type { DigestEntriesResponse as _ferrykv_internal_v1_DigestEntriesResponse, DigestEntriesResponse__Output as _ferrykv_internal_v1_DigestEntriesResponse__Output } from '../../../ferrykv/internal/v1/DigestEntriesResponse.js';
import type { DigestLeavesRequest as _ferrykv_internal_v1_DigestLeavesRequest, DigestLeavesRequest__Output as _ferrykv_internal_v1_DigestLeavesRequest__Output } from '../../../ferrykv/internal/v1/DigestLeavesRequest.js';
import type { DigestLeavesResponse as _ferrykv_internal_v1_DigestLeavesResponse, DigestLeavesResponse__Output as _ferrykv_internal_v1_DigestLeavesResponse__Output } from '../../../ferrykv/internal/v1/DigestLeavesResponse.js';
import type { ExportRangeChunk as _ferrykv_internal_v1_ExportRangeChunk, ExportRangeChunk__Output as _ferrykv_internal_v1_ExportRangeChunk__Output } from '../../../ferrykv/internal/v1/ExportRangeChunk.js';
import type { ExportRangeRequest as _ferrykv_internal_v1_ExportRangeRequest, ExportRangeRequest__Output as _ferrykv_internal_v1_ExportRangeRequest__Output } from '../../../ferrykv/internal/v1/ExportRangeRequest.js';
import type { ForwardRequest as _ferrykv_internal_v1_ForwardRequest, ForwardRequest__Output as _ferrykv_internal_v1_ForwardRequest__Output } from '../../../ferrykv/internal/v1/ForwardRequest.js';
import type { ForwardResponse as _ferrykv_internal_v1_ForwardResponse, ForwardResponse__Output as _ferrykv_internal_v1_ForwardResponse__Output } from '../../../ferrykv/internal/v1/ForwardResponse.js';
import type { GroupCommandRequest as _ferrykv_internal_v1_GroupCommandRequest, GroupCommandRequest__Output as _ferrykv_internal_v1_GroupCommandRequest__Output } from '../../../ferrykv/internal/v1/GroupCommandRequest.js';
import type { GroupCommandResponse as _ferrykv_internal_v1_GroupCommandResponse, GroupCommandResponse__Output as _ferrykv_internal_v1_GroupCommandResponse__Output } from '../../../ferrykv/internal/v1/GroupCommandResponse.js';
import type { IdentifyRequest as _ferrykv_internal_v1_IdentifyRequest, IdentifyRequest__Output as _ferrykv_internal_v1_IdentifyRequest__Output } from '../../../ferrykv/internal/v1/IdentifyRequest.js';
import type { IdentifyResponse as _ferrykv_internal_v1_IdentifyResponse, IdentifyResponse__Output as _ferrykv_internal_v1_IdentifyResponse__Output } from '../../../ferrykv/internal/v1/IdentifyResponse.js';
import type { ImportRangeRequest as _ferrykv_internal_v1_ImportRangeRequest, ImportRangeRequest__Output as _ferrykv_internal_v1_ImportRangeRequest__Output } from '../../../ferrykv/internal/v1/ImportRangeRequest.js';
import type { RaftAck as _ferrykv_internal_v1_RaftAck, RaftAck__Output as _ferrykv_internal_v1_RaftAck__Output } from '../../../ferrykv/internal/v1/RaftAck.js';
import type { RaftBatch as _ferrykv_internal_v1_RaftBatch, RaftBatch__Output as _ferrykv_internal_v1_RaftBatch__Output } from '../../../ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotAck as _ferrykv_internal_v1_SnapshotAck, SnapshotAck__Output as _ferrykv_internal_v1_SnapshotAck__Output } from '../../../ferrykv/internal/v1/SnapshotAck.js';
import type { SnapshotChunk as _ferrykv_internal_v1_SnapshotChunk, SnapshotChunk__Output as _ferrykv_internal_v1_SnapshotChunk__Output } from '../../../ferrykv/internal/v1/SnapshotChunk.js';

export interface InternalClient extends grpc.Client {
  DigestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  DigestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  DigestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  DigestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  digestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  digestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  digestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  digestEntries(argument: _ferrykv_internal_v1_DigestEntriesRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestEntriesResponse__Output>): grpc.ClientUnaryCall;
  
  DigestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  DigestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  DigestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  DigestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  digestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  digestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  digestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  digestLeaves(argument: _ferrykv_internal_v1_DigestLeavesRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_DigestLeavesResponse__Output>): grpc.ClientUnaryCall;
  
  ExportRangeVersions(argument: _ferrykv_internal_v1_ExportRangeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_internal_v1_ExportRangeChunk__Output>;
  ExportRangeVersions(argument: _ferrykv_internal_v1_ExportRangeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_internal_v1_ExportRangeChunk__Output>;
  exportRangeVersions(argument: _ferrykv_internal_v1_ExportRangeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_internal_v1_ExportRangeChunk__Output>;
  exportRangeVersions(argument: _ferrykv_internal_v1_ExportRangeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_internal_v1_ExportRangeChunk__Output>;
  
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  
  GroupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  GroupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  GroupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  GroupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  groupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  groupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  groupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  groupCommand(argument: _ferrykv_internal_v1_GroupCommandRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  
  Identify(argument: _ferrykv_internal_v1_IdentifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  Identify(argument: _ferrykv_internal_v1_IdentifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  Identify(argument: _ferrykv_internal_v1_IdentifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  Identify(argument: _ferrykv_internal_v1_IdentifyRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _ferrykv_internal_v1_IdentifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _ferrykv_internal_v1_IdentifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _ferrykv_internal_v1_IdentifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _ferrykv_internal_v1_IdentifyRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  
  ImportRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  ImportRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  ImportRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  ImportRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  importRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  importRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  importRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  importRangeVersions(argument: _ferrykv_internal_v1_ImportRangeRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_GroupCommandResponse__Output>): grpc.ClientUnaryCall;
  
  Raft(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  Raft(metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  Raft(options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  Raft(callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  raft(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  raft(metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  raft(options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  raft(callback: grpc.requestCallback<_ferrykv_internal_v1_RaftAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_RaftBatch>;
  
  Snapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  Snapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  Snapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  Snapshot(callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  snapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  snapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  snapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  snapshot(callback: grpc.requestCallback<_ferrykv_internal_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_ferrykv_internal_v1_SnapshotChunk>;
  
}

export interface InternalHandlers extends grpc.UntypedServiceImplementation {
  DigestEntries: grpc.handleUnaryCall<_ferrykv_internal_v1_DigestEntriesRequest__Output, _ferrykv_internal_v1_DigestEntriesResponse>;
  
  DigestLeaves: grpc.handleUnaryCall<_ferrykv_internal_v1_DigestLeavesRequest__Output, _ferrykv_internal_v1_DigestLeavesResponse>;
  
  ExportRangeVersions: grpc.handleServerStreamingCall<_ferrykv_internal_v1_ExportRangeRequest__Output, _ferrykv_internal_v1_ExportRangeChunk>;
  
  Forward: grpc.handleUnaryCall<_ferrykv_internal_v1_ForwardRequest__Output, _ferrykv_internal_v1_ForwardResponse>;
  
  GroupCommand: grpc.handleUnaryCall<_ferrykv_internal_v1_GroupCommandRequest__Output, _ferrykv_internal_v1_GroupCommandResponse>;
  
  Identify: grpc.handleUnaryCall<_ferrykv_internal_v1_IdentifyRequest__Output, _ferrykv_internal_v1_IdentifyResponse>;
  
  ImportRangeVersions: grpc.handleUnaryCall<_ferrykv_internal_v1_ImportRangeRequest__Output, _ferrykv_internal_v1_GroupCommandResponse>;
  
  Raft: grpc.handleClientStreamingCall<_ferrykv_internal_v1_RaftBatch__Output, _ferrykv_internal_v1_RaftAck>;
  
  Snapshot: grpc.handleClientStreamingCall<_ferrykv_internal_v1_SnapshotChunk__Output, _ferrykv_internal_v1_SnapshotAck>;
  
}

export interface InternalDefinition extends grpc.ServiceDefinition {
  DigestEntries: MethodDefinition<_ferrykv_internal_v1_DigestEntriesRequest, _ferrykv_internal_v1_DigestEntriesResponse, _ferrykv_internal_v1_DigestEntriesRequest__Output, _ferrykv_internal_v1_DigestEntriesResponse__Output>
  DigestLeaves: MethodDefinition<_ferrykv_internal_v1_DigestLeavesRequest, _ferrykv_internal_v1_DigestLeavesResponse, _ferrykv_internal_v1_DigestLeavesRequest__Output, _ferrykv_internal_v1_DigestLeavesResponse__Output>
  ExportRangeVersions: MethodDefinition<_ferrykv_internal_v1_ExportRangeRequest, _ferrykv_internal_v1_ExportRangeChunk, _ferrykv_internal_v1_ExportRangeRequest__Output, _ferrykv_internal_v1_ExportRangeChunk__Output>
  Forward: MethodDefinition<_ferrykv_internal_v1_ForwardRequest, _ferrykv_internal_v1_ForwardResponse, _ferrykv_internal_v1_ForwardRequest__Output, _ferrykv_internal_v1_ForwardResponse__Output>
  GroupCommand: MethodDefinition<_ferrykv_internal_v1_GroupCommandRequest, _ferrykv_internal_v1_GroupCommandResponse, _ferrykv_internal_v1_GroupCommandRequest__Output, _ferrykv_internal_v1_GroupCommandResponse__Output>
  Identify: MethodDefinition<_ferrykv_internal_v1_IdentifyRequest, _ferrykv_internal_v1_IdentifyResponse, _ferrykv_internal_v1_IdentifyRequest__Output, _ferrykv_internal_v1_IdentifyResponse__Output>
  ImportRangeVersions: MethodDefinition<_ferrykv_internal_v1_ImportRangeRequest, _ferrykv_internal_v1_GroupCommandResponse, _ferrykv_internal_v1_ImportRangeRequest__Output, _ferrykv_internal_v1_GroupCommandResponse__Output>
  Raft: MethodDefinition<_ferrykv_internal_v1_RaftBatch, _ferrykv_internal_v1_RaftAck, _ferrykv_internal_v1_RaftBatch__Output, _ferrykv_internal_v1_RaftAck__Output>
  Snapshot: MethodDefinition<_ferrykv_internal_v1_SnapshotChunk, _ferrykv_internal_v1_SnapshotAck, _ferrykv_internal_v1_SnapshotChunk__Output, _ferrykv_internal_v1_SnapshotAck__Output>
}
