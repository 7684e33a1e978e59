// Original file: proto/ferrykv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { WatchRequest as _ferrykv_v1_WatchRequest, WatchRequest__Output as _ferrykv_v1_WatchRequest__Output } from '../../ferrykv/v1/WatchRequest.js';
import type { WatchResponse as _ferrykv_v1_WatchResponse, WatchResponse__Output as _ferrykv_v1_WatchResponse__Output } from '../../ferrykv/v1/WatchResponse.js';

export interface WatchClient extends grpc.Client {
  Watch(argument: _ferrykv_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_WatchResponse__Output>;
  Watch(argument: _ferrykv_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_WatchResponse__Output>;
  watch(argument: _ferrykv_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_WatchResponse__Output>;
  watch(argument: _ferrykv_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_WatchResponse__Output>;
  
}

export interface WatchHandlers extends grpc.UntypedServiceImplementation {
  Watch: grpc.handleServerStreamingCall<_ferrykv_v1_WatchRequest__Output, _ferrykv_v1_WatchResponse>;
  
}

export interface WatchDefinition extends grpc.ServiceDefinition {
  Watch: MethodDefinition<_ferrykv_v1_WatchRequest, _ferrykv_v1_WatchResponse, _ferrykv_v1_WatchRequest__Output, _ferrykv_v1_WatchResponse__Output>
}
