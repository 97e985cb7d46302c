// Topics: subscribe() sends the message and later connections ask for the same topics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeClient, waitFor, s } from './support.mjs';

test('subscribe sends the topics, and the next connection asks for them in its URL', async (t) => {
  const server = await startServer();
  const { client, changes, clock } = makeClient(server.url + '?project=old&token=T');
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const first = await waitFor(() => server.connections[0], 'a connection');
  await waitFor(() => client.status === 'connected', 'connected');
  assert.deepEqual(first.query.getAll('project'), ['old']);
  first.send({ type: 'initial_state', epoch: 'E1', sessions: [s('a', 1, { project: 'old' })] });
  await waitFor(() => client.sessions.has('a'), 'the first state');

  assert.equal(client.subscribe(['b', 'c'], 'project'), true);
  await waitFor(() => first.received.length > 0, 'the subscribe message');
  assert.deepEqual(JSON.parse(first.received[0]), { type: 'subscribe', topics: ['b', 'c'] });
  first.send({ type: 'initial_state', epoch: 'E1tX', sessions: [s('b', 2, { project: 'b' })] });
  await waitFor(() => client.sessions.has('b'), 'the new topics\' state');
  assert.equal(client.sessions.has('a'), false, 'replaced, not merged');
  assert.equal(changes[changes.length - 1].reset, true);

  first.close(1001, 'going away');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  clock.advance(6000); // 1001: a reconnect spread over 5 s.
  const second = await waitFor(() => server.connections[1], 'a reconnection');
  assert.deepEqual(second.query.getAll('project'), ['b', 'c']);
  assert.equal(second.query.get('token'), 'T', 'the rest of the URL is kept');
  assert.equal(second.query.get('epoch'), 'E1tX', 'it resumes from the new topics\' state');

  await waitFor(() => client.status === 'connected', 'connected again');
  assert.equal(client.subscribe(), true);
  await waitFor(() => second.received.some((m) => m.startsWith('{')), 'subscribe to all');
  assert.deepEqual(JSON.parse(second.received.find((m) => m.startsWith('{'))), { type: 'subscribe' });
});

test('subscribe while the socket opens is sent once it is open; an empty list is refused', async (t) => {
  const server = await startServer();
  const { client } = makeClient(server.url + '?topic=old');
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  assert.equal(client.subscribe(['new']), false, 'not open yet');
  const conn = await waitFor(() => server.connections[0], 'a connection');
  assert.deepEqual(conn.query.getAll('topic'), ['old'], 'the socket was made with the old URL');
  await waitFor(() => conn.received.some((m) => m.startsWith('{')), 'the subscribe, once open');
  assert.deepEqual(JSON.parse(conn.received.find((m) => m.startsWith('{'))), { type: 'subscribe', topics: ['new'] });
  assert.throws(() => client.subscribe([]), /at least one topic/);
});

test('subscribe while not connected only changes what the next connection asks for', async (t) => {
  const server = await startServer();
  const { client } = makeClient(server.url);
  t.after(async () => { client.close(); await server.close(); });
  assert.equal(client.subscribe(['x']), false);
  client.connect();
  const conn = await waitFor(() => server.connections[0], 'a connection');
  assert.deepEqual(conn.query.getAll('topic'), ['x']);
});
