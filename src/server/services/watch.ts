// Watch service: the gRPC side of a feed (src/watch/watch-service.ts).
//
// Each response waits for the transport to take the previous one (write()
// returning false waits for 'drain'), so a slow consumer leaves events in its
// feed, which holds a bounded number and then ends the stream with OVERLOADED
// (the consumer resumes from its last resolved timestamp). A node that stops
// ends its streams with UNAVAILABLE.

import type * as grpc from '@grpc/grpc-js';
import { KvError, toServiceError } from '../../api/errors.js';
import { toKvError } from '../../node/errors.js';
import type { WatchHandlers } from '../../proto-gen/ferrykv/v1/Watch.js';
import type { WatchRequest__Output } from '../../proto-gen/ferrykv/v1/WatchRequest.js';
import type { WatchResponse } from '../../proto-gen/ferrykv/v1/WatchResponse.js';
import type { WatchOut } from '../../watch/watch-service.js';
import type { NodeContext } from '../context.js';

function toResponse(out: WatchOut): WatchResponse {
  switch (out.kind) {
    case 'created':
      return { created: true, groupId: out.groupId, servedEnd: out.servedEnd, resolvedTs: out.fromTs.toString() };
    case 'moved':
      return { moved: { groupId: out.groupId, atTs: out.atTs.toString() }, resolvedTs: out.atTs.toString() };
    case 'events':
      return {
        resolvedTs: out.resolvedTs.toString(),
        events: out.events.map((e) => ({
          type: e.type,
          key: e.key,
          value: e.value,
          commitTs: e.commitTs.toString(),
          hasPrev: e.prev !== undefined && e.prev !== null,
          prevValue: e.prev ?? new Uint8Array(0),
        })),
      };
  }
}

export function watchService(ctx: NodeContext): WatchHandlers {
  return {
    Watch: (call: grpc.ServerWritableStream<WatchRequest__Output, WatchResponse>) => {
      let ended = false;
      let drained: (() => void) | undefined;
      const end = (err?: KvError): void => {
        if (ended) return;
        ended = true;
        ctx.closers.delete(closer);
        drained?.();
        if (call.cancelled) return;
        if (err) call.emit('error', toServiceError(err));
        else call.end();
      };
      const closer = (): void => end(new KvError('UNAVAILABLE', 'watch: this node is stopping: resume elsewhere', { retryAfterMs: 100 }));
      if (ctx.stopping()) return closer();
      ctx.closers.add(closer);
      call.on('cancelled', () => end());
      call.on('drain', () => drained?.());
      const sink = {
        get closed(): boolean {
          return ended || call.cancelled;
        },
        send: (out: WatchOut): Promise<void> => {
          if (sink.closed) return Promise.resolve();
          if (call.write(toResponse(out))) return Promise.resolve();
          return new Promise<void>((resolve) => {
            drained = () => {
              drained = undefined;
              resolve();
            };
          });
        },
      };
      const r = call.request;
      ctx.watch.serve({ start: r.start, end: r.end, startTs: r.startTs, prevKv: r.prevKv, noPut: r.noPut, noDelete: r.noDelete, progressMs: r.progressMs }, sink).then(
        () => end(),
        (e: unknown) => end(toKvError(e)),
      );
    },
  };
}
