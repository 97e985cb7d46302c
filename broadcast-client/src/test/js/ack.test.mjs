// Acks: `ack N` counts the data frames applied on this connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeClient, waitFor, s } from './support.mjs';

async function setup(t, options) {
  const server = await startServer();
  const made = makeClient(server.url, options);
  t.after(async () => { made.client.close(); await server.close(); });
  made.client.connect();
  const conn = await waitFor(() => server.connections[0], 'a connection');
  await waitFor(() => made.client.status === 'connected', 'connected');
  return { ...made, server, conn };
}

const acks = (conn) => conn.received.filter((text) => text.startsWith('ack'));

test('manual: acknowledge() sends the count of frames applied, only when it grew', async (t) => {
  const { client, clock, server, conn, changes, lastStatus } = await setup(t, { ack: 'manual' });
  assert.equal(conn.query.get('ack'), '1');
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  conn.send({ type: 'session_update', session: s('a', 2) });
  conn.send({ type: 'pong' });                                // not a data frame
  conn.send({ type: 'session_update', session: s('a', 2) });  // a duplicate: still a data frame
  await waitFor(() => client.stats.messages === 4, 'four messages');
  clock.advance(0);   // an auto ack would go now: manual sends nothing by itself
  assert.equal(changes.length, 3);
  assert.equal(client.acknowledge(), true);
  assert.equal(client.acknowledge(), false, 'nothing new to acknowledge');
  await waitFor(() => conn.received.length >= 1, 'the ack');
  assert.deepEqual(acks(conn), ['ack 3'], 'the first message the server got is "ack 3"');

  conn.send({ type: 'batch_update', sessions: [s('b', 3)] });
  await waitFor(() => client.stats.frames === 4, 'the fourth frame');
  assert.equal(client.acknowledge(), true);
  await waitFor(() => conn.received.length >= 2, 'the second ack');
  assert.deepEqual(acks(conn), ['ack 3', 'ack 4']);
  assert.equal(client.stats.acks, 2);

  // The count restarts with each connection.
  conn.close(1011, 'SEND_FAILED');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  assert.equal(client.acknowledge(), false, 'no socket: nothing sent');
  clock.advance(lastStatus().delayMs);
  const second = await waitFor(() => server.connections[1], 'connection 2');
  second.send({ type: 'initial_state', epoch: 'E', since: 3, sessions: [] });
  await waitFor(() => client.stats.frames === 5, 'the resume');
  assert.equal(client.acknowledge(), true);
  await waitFor(() => second.received.length >= 1, 'the ack on connection 2');
  assert.deepEqual(acks(second), ['ack 1']);
});

test('manual: acknowledge() from the change listener acks the frame being delivered', async (t) => {
  const { client, conn } = await setup(t, { ack: 'manual' });
  client.addEventListener('change', () => client.acknowledge());
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  conn.send({ type: 'session_update', session: s('a', 2) });
  await waitFor(() => conn.received.length >= 2, 'two acks');
  assert.deepEqual(acks(conn), ['ack 1', 'ack 2']);
});

test('auto: one ack per macrotask, after the frames applied so far', async (t) => {
  const { client, clock, conn } = await setup(t, { ack: 'auto' });
  assert.equal(conn.query.get('ack'), '1');
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  conn.send({ type: 'session_update', session: s('a', 2) });
  conn.send({ type: 'batch_update', sessions: [s('a', 3)] });
  await waitFor(() => client.stats.frames === 3, 'three frames');
  assert.deepEqual(clock.pending().filter((ms) => ms === 0), [0], 'one ack scheduled, not three');
  clock.advance(0);
  await waitFor(() => conn.received.length >= 1, 'the ack');
  assert.deepEqual(acks(conn), ['ack 3']);

  conn.send({ type: 'session_update', session: s('a', 4) });
  await waitFor(() => client.stats.frames === 4, 'the fourth frame');
  clock.advance(0);
  await waitFor(() => conn.received.length >= 2, 'the second ack');
  assert.deepEqual(acks(conn), ['ack 3', 'ack 4']);
  assert.equal(client.stats.acks, 2);
});

test('acks off: no ack=1, no ack sent', async (t) => {
  const { client, clock, conn } = await setup(t, {});
  assert.equal(conn.query.has('ack'), false);
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  await waitFor(() => client.stats.frames === 1, 'the frame');
  clock.advance(0);
  assert.equal(client.acknowledge(), false);
  clock.advance(15000);   // the ping: the first thing the server receives
  await waitFor(() => conn.received.length >= 1, 'the ping');
  assert.deepEqual(conn.received, ['ping']);
});

test('the ack option is validated', () => {
  assert.throws(() => makeClient('ws://127.0.0.1:1/', { ack: 'sometimes' }), TypeError);
  assert.throws(() => makeClient('ws://127.0.0.1:1/', { pingInterval: -1 }), TypeError);
});
