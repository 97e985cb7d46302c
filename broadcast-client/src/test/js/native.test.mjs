// The platform's own WebSocket (globalThis.WebSocket, as in a browser): Node 22+, or Node 20
// with --experimental-websocket (npm run test:native). Skipped where there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BroadcastClient } from '../../main/resources/META-INF/resources/broadcast/client.js';
import { startServer, startFrozenServer, FakeClock, waitFor, s } from './support.mjs';

const skip = typeof globalThis.WebSocket !== 'function' && 'no global WebSocket on this runtime';

test('with globalThis.WebSocket: state, resume after a close, close()', { skip }, async (t) => {
  const server = await startServer();
  const clock = new FakeClock();
  const client = new BroadcastClient(server.url, { clock, ack: 'auto' });   // no WebSocket option
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const first = await waitFor(() => server.connections[0], 'connection 1');
  first.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1, { n: 1 })] });
  first.send({ type: 'session_update', session: { session_id: 'a', version: 2, base: 1, patch: { n: 2 } } });
  await waitFor(() => client.stats.frames === 2, 'two frames');
  assert.equal(client.sessions.get('a').n, 2);
  clock.advance(0);
  await waitFor(() => first.received.includes('ack 2'), 'the ack');
  first.close(1001, 'SHUTDOWN');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  clock.advance(5000);
  const second = await waitFor(() => server.connections[1], 'connection 2');
  assert.equal(second.query.get('since'), '2');
  await waitFor(() => client.status === 'connected', 'connected');
  client.close();
  await waitFor(() => second.closed, 'the server to see the close');
  assert.equal(second.closed.code, 1000);
});

test('with globalThis.WebSocket: connect timeout abandons the socket', { skip }, async (t) => {
  const frozen = await startFrozenServer();
  const clock = new FakeClock(() => 0.5);
  const client = new BroadcastClient(frozen.url, { clock });
  t.after(async () => { client.close(); await frozen.close(); });
  client.connect();
  await waitFor(() => frozen.sockets.length === 1, 'the TCP connection');
  clock.advance(10000);
  assert.equal(client.status, 'dead');
  await waitFor(() => frozen.sockets[0].closed, 'the abandoned socket to be closed');
  clock.advance(249);
  assert.equal(client.stats.reconnects, 0);
  clock.advance(1);
  // A new socket is made. (Whether it reaches the server is up to the runtime: Node 20's
  // experimental WebSocket can stall new handshakes to an origin after an aborted one.)
  assert.equal(client.stats.reconnects, 1);
  assert.equal(client.status, 'connecting');
});
