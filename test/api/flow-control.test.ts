// The node's gRPC server takes large HTTP/2 windows, per stream and per
// connection (src/api/protos.ts createServer). grpc-js applies
// 'grpc-node.flow_control_window' to clients only, so a server kept the 64 KiB
// defaults: a 5,000-group raft batch (~300 KiB) waited on five WINDOW_UPDATEs
// from a busy event loop, vote rounds outlasted the election timeout, and no
// group elected a leader; and a 4 MiB append crossed each peer's connection in
// 64 KiB steps with every other group's messages waiting behind it.
import { connect, type Settings } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CHANNEL_OPTIONS, FLOW_CONTROL_WINDOW, createServer } from '../../src/api/protos.js';

/** The SETTINGS a server sends a fresh HTTP/2 connection: its initial stream window. */
async function advertisedWindow(server: grpc.Server): Promise<number | undefined> {
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<number | undefined>((resolve, reject) => {
      session.once('remoteSettings', (s: Settings) => resolve(s.initialWindowSize));
      session.once('error', reject);
    });
  } finally {
    session.close();
    server.forceShutdown();
  }
}

/** The connection-level window a fresh HTTP/2 client may fill toward the server (after its first WINDOW_UPDATE). */
async function connectionWindow(server: grpc.Server): Promise<number> {
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // The server's WINDOW_UPDATE follows its SETTINGS; wait for it, bounded.
    for (let i = 0; i < 100 && (session.state.remoteWindowSize ?? 0) <= 65_535; i++) await new Promise((r) => setTimeout(r, 10));
    return session.state.remoteWindowSize ?? 0;
  } finally {
    session.close();
    server.forceShutdown();
  }
}

describe('gRPC server flow-control window', () => {
  it('the node server lets a connection carry FLOW_CONTROL_WINDOW bytes in flight (not 64 KiB shared by every stream)', async () => {
    expect(await connectionWindow(createServer())).toBeGreaterThanOrEqual(FLOW_CONTROL_WINDOW);
  });

  it('a plain grpc-js server keeps the 64 KiB connection window (the workaround is needed)', async () => {
    // If this fails, grpc-js widens server connections now: createServer can drop its session hook.
    expect(await connectionWindow(new grpc.Server(CHANNEL_OPTIONS))).toBe(65_535);
  });

  it('the node server advertises FLOW_CONTROL_WINDOW per stream', async () => {
    expect(await advertisedWindow(createServer())).toBe(FLOW_CONTROL_WINDOW);
  });

  it('a plain grpc-js server with the same options still advertises 64 KiB (the workaround is needed)', async () => {
    // If this fails, grpc-js honours the option on servers now: createServer can drop its workaround.
    expect(await advertisedWindow(new grpc.Server(CHANNEL_OPTIONS))).toBe(65_535);
  });
});
