// Original file: proto/ferrykv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListRoutesRequest as _ferrykv_v1_ListRoutesRequest, ListRoutesRequest__Output as _ferrykv_v1_ListRoutesRequest__Output } from '../../ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse as _ferrykv_v1_ListRoutesResponse, ListRoutesResponse__Output as _ferrykv_v1_ListRoutesResponse__Output } from '../../ferrykv/v1/ListRoutesResponse.js';
import type { RouteEvent as _ferrykv_v1_RouteEvent, RouteEvent__Output as _ferrykv_v1_RouteEvent__Output } from '../../ferrykv/v1/RouteEvent.js';
import type { WatchRoutesRequest as _ferrykv_v1_WatchRoutesRequest, WatchRoutesRequest__Output as _ferrykv_v1_WatchRoutesRequest__Output } from '../../ferrykv/v1/WatchRoutesRequest.js';

export interface RoutingClient extends grpc.Client {
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  ListRoutes(argument: _ferrykv_v1_ListRoutesRequest, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  listRoutes(argument: _ferrykv_v1_ListRoutesRequest, callback: grpc.requestCallback<_ferrykv_v1_ListRoutesResponse__Output>): grpc.ClientUnaryCall;
  
  WatchRoutes(argument: _ferrykv_v1_WatchRoutesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_RouteEvent__Output>;
  WatchRoutes(argument: _ferrykv_v1_WatchRoutesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_RouteEvent__Output>;
  watchRoutes(argument: _ferrykv_v1_WatchRoutesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_RouteEvent__Output>;
  watchRoutes(argument: _ferrykv_v1_WatchRoutesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ferrykv_v1_RouteEvent__Output>;
  
}

export interface RoutingHandlers extends grpc.UntypedServiceImplementation {
  ListRoutes: grpc.handleUnaryCall<_ferrykv_v1_ListRoutesRequest__Output, _ferrykv_v1_ListRoutesResponse>;
  
  WatchRoutes: grpc.handleServerStreamingCall<_ferrykv_v1_WatchRoutesRequest__Output, _ferrykv_v1_RouteEvent>;
  
}

export interface RoutingDefinition extends grpc.ServiceDefinition {
  ListRoutes: MethodDefinition<_ferrykv_v1_ListRoutesRequest, _ferrykv_v1_ListRoutesResponse, _ferrykv_v1_ListRoutesRequest__Output, _ferrykv_v1_ListRoutesResponse__Output>
  WatchRoutes: MethodDefinition<_ferrykv_v1_WatchRoutesRequest, _ferrykv_v1_RouteEvent, _ferrykv_v1_WatchRoutesRequest__Output, _ferrykv_v1_RouteEvent__Output>
}
