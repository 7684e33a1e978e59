// Loads the .proto contracts at run time (proto-loader) and exposes typed
// service constructors (types generated into src/proto-gen by `npm run proto`).
// Shared by the server, the transport, the SDK and the CLI.

import { existsSync } from 'node:fs';
import type { Http2Session } from 'node:http2';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { ProtoGrpcType as AdminProto } from '../proto-gen/admin.js';
import type { ProtoGrpcType as PublicProto } from '../proto-gen/ferrykv.js';
import type { ProtoGrpcType as InternalProto } from '../proto-gen/internal.js';
import type { ProtoGrpcType as EtcdProto } from '../proto-gen/etcd.js';

/** Largest message either side accepts: a 4 MiB value plus its key and framing. */
export const MAX_MESSAGE_BYTES = 16 << 20;

/** HTTP/2 flow-control window of every stream, both ways: one message's worth. */
export const FLOW_CONTROL_WINDOW = 16 << 20;

/**
 * Channel options for every client and server: raised message limits, big
 * flow-control windows, and a short reconnect backoff (100 ms growing to 1 s). gRPC's default (1 s,
 * growing 1.6x to 120 s) kept a peer that started before its neighbours, or
 * came back after being down a while, unreachable for seconds to minutes
 * after it listened again: raft messages to it were dropped meanwhile.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
};

/**
 * A gRPC server with CHANNEL_OPTIONS whose connections and streams both take
 * FLOW_CONTROL_WINDOW bytes in flight. grpc-js (1.14) applies
 * 'grpc-node.flow_control_window' on the client only (grpc/grpc-node#3058
 * would add the server), and a server keeps HTTP/2's 64 KiB windows:
 * - per stream: at 5,000 groups a raft batch is ~300 KiB, and every 64 KiB
 *   of it waited for a WINDOW_UPDATE from this node's event loop; vote rounds
 *   outlasted the election timeout and no group elected a leader;
 * - per connection (the window every stream of a peer's connection shares):
 *   a 4 MiB IMPORT append crossed in 64 KiB steps, one round trip through
 *   both busy event loops each, and every other group's messages on that
 *   connection waited behind it (put p99 3-9x during a migration's backfill).
 * The stream window is set through the constructor's private options object
 * and the connection window on each new session, through the private session
 * handlers; test/api/flow-control.test.ts fails if a grpc-js release changes
 * either shape.
 */
export function createServer(): grpc.Server {
  const server = new grpc.Server(CHANNEL_OPTIONS);
  const internals = server as unknown as {
    commonServerOptions?: { settings?: Record<string, unknown> };
    _sessionHandler?: SessionHandlerFactory;
    _channelzSessionHandler?: SessionHandlerFactory;
  };
  const common = internals.commonServerOptions;
  if (common) common.settings = { ...(common.settings ?? {}), initialWindowSize: FLOW_CONTROL_WINDOW };
  for (const name of ['_sessionHandler', '_channelzSessionHandler'] as const) {
    const make = internals[name];
    if (typeof make !== 'function') continue;
    internals[name] = function (this: unknown, http2Server: unknown) {
      const handle = make.call(this, http2Server);
      return (session: Http2Session) => {
        widenConnectionWindow(session);
        handle(session);
      };
    };
  }
  return server;
}

type SessionHandlerFactory = (http2Server: unknown) => (session: Http2Session) => void;

/** Raises a fresh session's connection-level receive window to FLOW_CONTROL_WINDOW. */
function widenConnectionWindow(session: Http2Session): void {
  const widen = (): void => {
    try {
      if (!session.destroyed) session.setLocalWindowSize(FLOW_CONTROL_WINDOW);
    } catch {
      /* a session closed meanwhile has nothing to widen */
    }
  };
  if (session.connecting) session.once('connect', widen);
  else widen();
}

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Finds proto/ walking up from this file (works from src/ under tsx and from dist/). */
function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'ferrykv.proto'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find the proto/ directory next to the ferrykv package');
}

interface Protos {
  pub: PublicProto;
  admin: AdminProto;
  internal: InternalProto;
  /** etcd's v3 client API (proto/etcd/), served by the etcd endpoint. */
  etcd: EtcdProto;
  packages: Record<string, protoLoader.PackageDefinition>;
}

let cache: Protos | undefined;

export function protos(): Protos {
  if (cache) return cache;
  const dir = protoDir();
  // admin.proto imports ferrykv.proto: resolve imports from proto/.
  const load = (f: string): protoLoader.PackageDefinition => protoLoader.loadSync(f, { ...LOADER_OPTIONS, includeDirs: [dir] });
  const pubDef = load('ferrykv.proto');
  const adminDef = load('admin.proto');
  const internalDef = load('internal.proto');
  const etcdDef = load('etcd/etcd.proto');
  cache = {
    pub: grpc.loadPackageDefinition(pubDef) as unknown as PublicProto,
    admin: grpc.loadPackageDefinition(adminDef) as unknown as AdminProto,
    internal: grpc.loadPackageDefinition(internalDef) as unknown as InternalProto,
    etcd: grpc.loadPackageDefinition(etcdDef) as unknown as EtcdProto,
    packages: { pub: pubDef, admin: adminDef, internal: internalDef, etcd: etcdDef },
  };
  return cache;
}

/** A protobufjs Type for a message by full name (e.g. 'ferrykv.v1.Error'), for payloads outside RPC framing. */
export function messageType(file: 'ferrykv.proto' | 'admin.proto' | 'internal.proto', typeName: string): protobuf.Type {
  let root = roots.get(file);
  if (!root) {
    root = new protobuf.Root();
    const dir = protoDir();
    root.resolvePath = (_origin, target) => join(dir, target.replace(/^.*[\\/]/, ''));
    root.loadSync(file);
    roots.set(file, root);
  }
  return root.lookupType(typeName);
}

const roots = new Map<string, protobuf.Root>();
