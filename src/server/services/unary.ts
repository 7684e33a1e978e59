// The one wrapper every unary handler goes through: refused while the node
// stops, bounded by admission (client work only), timed and counted by method
// and result code, every failure answered as a typed error (a handler that
// throws synchronously answers like one that rejects, not UNKNOWN).

import * as grpc from '@grpc/grpc-js';
import { KvError, toServiceError } from '../../api/errors.js';
import { toKvError } from '../../node/errors.js';
import type { NodeContext } from '../context.js';

/** What a unary request counts for against the node's byte bound (gRPC already bounds its size). */
const UNARY_BYTES = 1024;

/** A unary handler; client work (`admit`) is bounded by the node's admission limits, admin calls are not. */
export function unary<Req, Res>(ctx: NodeContext, method: string, fn: (req: Req) => Promise<Res>, admit = false): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const end = ctx.metrics.requestDuration.startTimer({ method });
    const fail = (err: KvError): void => {
      ctx.metrics.requests.inc({ method, code: err.code });
      end();
      callback(toServiceError(err) as grpc.ServiceError);
    };
    if (ctx.stopping()) return fail(new KvError('UNAVAILABLE', 'node is shutting down'));
    const refused = admit ? ctx.admission.admit(UNARY_BYTES) : undefined;
    if (refused) return fail(refused);
    Promise.resolve()
      .then(() => fn(call.request))
      .finally(() => {
        if (admit) ctx.admission.release(UNARY_BYTES);
      })
      .then(
        (res) => {
          ctx.metrics.requests.inc({ method, code: 'OK' });
          end();
          callback(null, res);
        },
        (e: unknown) => {
          const err = toKvError(e);
          if (err.code === 'INTERNAL') ctx.log.error({ method, err: err.message }, 'request failed');
          fail(err);
        },
      );
  };
}
