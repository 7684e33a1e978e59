// Original file: proto/internal.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ForwardRequest as _ferrykv_internal_v1_ForwardRequest, ForwardRequest__Output as _ferrykv_internal_v1_ForwardRequest__Output } from '../../../ferrykv/internal/v1/ForwardRequest.js';
import type { ForwardResponse as _ferrykv_internal_v1_ForwardResponse, ForwardResponse__Output as _ferrykv_internal_v1_ForwardResponse__Output } from '../../../ferrykv/internal/v1/ForwardResponse.js';
import type { RaftAck as _ferrykv_internal_v1_RaftAck, RaftAck__Output as _ferrykv_internal_v1_RaftAck__Output } from '../../../ferrykv/internal/v1/RaftAck.js';
import type { RaftBatch as _ferrykv_internal_v1_RaftBatch, RaftBatch__Output as _ferrykv_internal_v1_RaftBatch__Output } from '../../../ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotAck as _ferrykv_internal_v1_SnapshotAck, SnapshotAck__Output as _ferrykv_internal_v1_SnapshotAck__Output } from '../../../ferrykv/internal/v1/SnapshotAck.js';
import type { SnapshotChunk as _ferrykv_internal_v1_SnapshotChunk, SnapshotChunk__Output as _ferrykv_internal_v1_SnapshotChunk__Output } from '../../../ferrykv/internal/v1/SnapshotChunk.js';

export interface InternalClient extends grpc.Client {
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  Forward(argument: _ferrykv_internal_v1_ForwardRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  forward(argument: _ferrykv_internal_v1_ForwardRequest, callback: grpc.requestCallback<_ferrykv_internal_v1_ForwardResponse__Output>): grpc.ClientUnaryCall;
  
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
  Forward: grpc.handleUnaryCall<_ferrykv_internal_v1_ForwardRequest__Output, _ferrykv_internal_v1_ForwardResponse>;
  
  Raft: grpc.handleClientStreamingCall<_ferrykv_internal_v1_RaftBatch__Output, _ferrykv_internal_v1_RaftAck>;
  
  Snapshot: grpc.handleClientStreamingCall<_ferrykv_internal_v1_SnapshotChunk__Output, _ferrykv_internal_v1_SnapshotAck>;
  
}

export interface InternalDefinition extends grpc.ServiceDefinition {
  Forward: MethodDefinition<_ferrykv_internal_v1_ForwardRequest, _ferrykv_internal_v1_ForwardResponse, _ferrykv_internal_v1_ForwardRequest__Output, _ferrykv_internal_v1_ForwardResponse__Output>
  Raft: MethodDefinition<_ferrykv_internal_v1_RaftBatch, _ferrykv_internal_v1_RaftAck, _ferrykv_internal_v1_RaftBatch__Output, _ferrykv_internal_v1_RaftAck__Output>
  Snapshot: MethodDefinition<_ferrykv_internal_v1_SnapshotChunk, _ferrykv_internal_v1_SnapshotAck, _ferrykv_internal_v1_SnapshotChunk__Output, _ferrykv_internal_v1_SnapshotAck__Output>
}
