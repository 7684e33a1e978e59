// Malformed requests (random bytes, wrong wire types) answer INVALID_ARGUMENT.
// grpc-js answers a request it cannot deserialize with an untyped INTERNAL
// "Error deserializing request", which the SDK must read as "the write may
// have applied". So every service is registered with a deserializer that
// never throws — it returns a marker instead — and handlers wrapped to answer
// the marker with INVALID_ARGUMENT (unary, server streaming) or to end the
// stream with it (client and bidirectional streaming). Nothing malformed
// reaches a handler.

import * as grpc from '@grpc/grpc-js';
import { KvError, toServiceError } from '../api/errors.js';

const MALFORMED = Symbol('malformed request');

interface Malformed {
  readonly [MALFORMED]: string;
}

function isMalformed(v: unknown): v is Malformed {
  return typeof v === 'object' && v !== null && MALFORMED in v;
}

function invalid(m: Malformed): KvError {
  return new KvError('INVALID_ARGUMENT', `request: not a valid message of this method (${m[MALFORMED]})`, { field: 'request', reason: 'malformed' });
}

/** The service definition with deserializers that return a marker instead of throwing. */
export function tolerantDefinition(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(def)) {
    out[name] = {
      ...m,
      requestDeserialize: (b: Buffer): unknown => {
        try {
          return m.requestDeserialize(b);
        } catch (e) {
          return { [MALFORMED]: e instanceof Error ? e.message : String(e) } satisfies Malformed;
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> & grpc.ServerReadableStream<unknown, unknown> & grpc.ServerWritableStream<unknown, unknown> & grpc.ServerDuplexStream<unknown, unknown>;
type AnyHandler = (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => void;

/** Wraps every handler of `impl` so a malformed request or stream message is answered INVALID_ARGUMENT. */
export function refuseMalformed(def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
  const out: Record<string, AnyHandler> = {};
  for (const [name, handler] of Object.entries(impl as Record<string, AnyHandler>)) {
    const m = def[name];
    if (!m) {
      out[name] = handler;
      continue;
    }
    if (!m.requestStream) {
      // Unary and server streaming: one request, checked before the handler runs.
      out[name] = (call, callback) => {
        if (!isMalformed(call.request)) return handler(call, callback);
        const err = toServiceError(invalid(call.request)) as grpc.ServiceError;
        if (callback) callback(err);
        else call.emit('error', err);
      };
      continue;
    }
    // Client and bidirectional streaming: the first malformed message ends the stream.
    out[name] = (call, callback) => {
      const on = call.on.bind(call);
      let refused = false;
      call.on = ((event: string, listener: (...args: unknown[]) => void) => {
        if (event !== 'data') return on(event, listener);
        return on('data', (msg: unknown) => {
          if (refused) return;
          if (!isMalformed(msg)) return listener(msg);
          refused = true;
          const err = toServiceError(invalid(msg)) as grpc.ServiceError;
          if (callback) callback(err);
          else call.emit('error', err);
        });
      }) as typeof call.on;
      handler(call, callback);
    };
  }
  return out as grpc.UntypedServiceImplementation;
}
