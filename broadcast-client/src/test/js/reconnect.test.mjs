// The connection: resume parameters, resync after a patch miss, dead links, connect timeouts,
// and close(). Time is the fake clock's: nothing here sleeps for the real intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startFrozenServer, makeClient, waitFor, settle, s, FakeClock, WebSocket,
} from './support.mjs';

/** Advances the clock past the scheduled reconnect and waits for connection number `n`. */
async function reconnect(server, made, n) {
  const { delayMs } = made.lastStatus();
  assert.equal(typeof delayMs, 'number', 'a reconnect is scheduled');
  made.clock.advance(delayMs);
  return waitFor(() => server.connections[n - 1], `connection ${n}`);
}

test('first connect sends no since; a reconnect resumes with since and epoch, keeping the url\'s query', async (t) => {
  const server = await startServer();
  const made = makeClient(server.url + '?token=abc');
  const { client, changes } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const first = await waitFor(() => server.connections[0], 'connection 1');
  assert.equal(first.query.get('token'), 'abc');
  assert.equal(first.query.get('delta'), '1');
  assert.equal(first.query.has('since'), false);
  assert.equal(first.query.has('epoch'), false);
  assert.equal(first.query.has('ack'), false);

  first.send({ type: 'initial_state', epoch: 'E 1', sessions: [s('a', 3), s('b', 5), s('c', 2)] });
  first.send({ type: 'batch_update', sessions: [s('a', 6), { session_id: 'x', version: 7, removed: true }] });
  await waitFor(() => client.stats.frames === 2, 'two frames');
  first.close(1011, 'SEND_FAILED');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  assert.equal(made.lastStatus().code, 1011);
  assert.equal(made.lastStatus().reason, 'SEND_FAILED');

  const second = await reconnect(server, made, 2);
  assert.equal(second.query.get('since'), '7', 'the highest version applied, tombstones included');
  assert.equal(second.query.get('epoch'), 'E 1');
  assert.equal(second.query.get('token'), 'abc');
  assert.equal(client.stats.reconnects, 1);

  // The resume: merged into the view by the version rule; the rest is kept.
  second.send({
    type: 'initial_state', epoch: 'E 1', since: 7,
    sessions: [s('a', 8, { status: 'new' }), { session_id: 'c', version: 9, removed: true }, s('d', 10), s('b', 4)],
  });
  await waitFor(() => client.stats.resumes === 1, 'the resume');
  assert.deepEqual([...client.sessions.keys()].sort(), ['a', 'b', 'd']);
  assert.equal(client.sessions.get('a').status, 'new');
  assert.equal(client.sessions.get('b').version, 5, 'an older entry in a resume is ignored');
  const resume = changes[changes.length - 1];
  assert.equal(resume.resumed, true);
  assert.equal(resume.reset, false);
  assert.deepEqual([...resume.changed.keys()].sort(), ['a', 'c', 'd']);
  assert.equal(client.highestVersion, 10);
  assert.equal(client.stats.fullStates, 1);

  // A full state of another epoch replaces; the next resume names that epoch.
  second.send({ type: 'initial_state', epoch: 'E2', sessions: [s('q', 2)] });
  await waitFor(() => client.epoch === 'E2', 'epoch E2');
  second.close(1000);
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  const third = await reconnect(server, made, 3);
  assert.equal(third.query.get('since'), '2');
  assert.equal(third.query.get('epoch'), 'E2');
});

test('a patch whose base is not held: reconnect without since, counted', async (t) => {
  const server = await startServer();
  const made = makeClient(server.url);
  const { client } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const first = await waitFor(() => server.connections[0], 'connection 1');
  first.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 7, { n: 1 }), s('b', 3)] });
  first.send({
    type: 'batch_update',
    sessions: [s('b', 8), { session_id: 'a', version: 10, base: 9, patch: { n: 2 } }, s('c', 11)],
  });
  await waitFor(() => client.stats.patchMisses === 1, 'the miss');
  assert.equal(client.stats.resyncs, 1);
  await waitFor(() => first.closed, 'the server to see the close');
  assert.equal(first.closed.code, 4002);
  assert.equal(client.sessions.get('a').n, 1, 'the patch was not applied');
  assert.equal(client.sessions.get('b').version, 8, 'entries before the miss were applied');
  assert.equal(client.sessions.has('c'), false, 'entries after the miss were not');
  assert.equal(client.stats.frames, 1, 'the broken frame does not count as applied');

  const second = await reconnect(server, made, 2);
  assert.equal(second.query.has('since'), false, 'a fresh full state is asked for');
  assert.equal(second.query.has('epoch'), false);
  second.close(1011);   // gone again before any state: still no since
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  const third = await reconnect(server, made, 3);
  assert.equal(third.query.has('since'), false);

  third.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 12)] });
  await waitFor(() => client.stats.fullStates === 2, 'the full state');
  third.close(1011);
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  const fourth = await reconnect(server, made, 4);
  assert.equal(fourth.query.get('since'), '12', 'resuming again once a full state arrived');
});

test('a resume of another epoch is out of sync: reconnect without since', async (t) => {
  const server = await startServer();
  const made = makeClient(server.url);
  const { client } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const first = await waitFor(() => server.connections[0], 'connection 1');
  first.send({ type: 'initial_state', epoch: 'E1', sessions: [s('a', 5)] });
  first.send({ type: 'initial_state', epoch: 'E2', since: 5, sessions: [s('a', 6, { wrong: true })] });
  await waitFor(() => client.stats.resyncs === 1, 'the resync');
  assert.equal(client.sessions.get('a').version, 5);
  const second = await reconnect(server, made, 2);
  assert.equal(second.query.has('since'), false);
});

test('dead link: a server that stops answering is dropped within pingInterval + pongTimeout', async (t) => {
  const server = await startServer();
  const sockets = [];
  class RecordingWebSocket extends WebSocket {
    constructor(...args) { super(...args); sockets.push(this); }
  }
  const made = makeClient(server.url, { WebSocket: RecordingWebSocket });
  const { client, clock } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const conn = await waitFor(() => server.connections[0], 'connection 1');
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  await waitFor(() => client.stats.frames === 1, 'the state');

  // A healthy link first: the ping is answered and the link stays up.
  clock.advance(15000);
  await waitFor(() => client.stats.pongs === 1, 'a pong');
  assert.deepEqual(conn.received, ['ping']);
  clock.advance(10000);
  assert.equal(client.status, 'connected');

  // Any frame proves the link alive, not only a pong.
  conn.paused = true;
  clock.advance(5000);   // 30 s: the second ping
  await waitFor(() => conn.received.length === 2, 'the second ping');
  conn.send({ type: 'batch_update', sessions: [s('a', 2)] });
  await waitFor(() => client.stats.frames === 2, 'a data frame');
  clock.advance(10000);
  assert.equal(client.status, 'connected');
  assert.equal(client.stats.deadLinks, 0);

  // Frozen: sends nothing, ignores pings. Noticed at the next ping + pongTimeout.
  const frozenAt = clock.now();   // 40 s; the next ping is due at 45 s
  clock.advance(5000);
  await waitFor(() => conn.received.length === 3, 'the third ping');
  clock.advance(9999);
  assert.equal(client.status, 'connected', 'not yet: the pong timeout has not run out');
  clock.advance(1);
  assert.equal(client.status, 'dead');
  assert.ok(clock.now() - frozenAt <= 25000, 'noticed within pingInterval + pongTimeout');
  assert.equal(client.stats.deadLinks, 1);
  assert.equal(made.lastStatus().code, 4000);
  assert.equal(made.lastStatus().reason, 'dead link');
  await waitFor(() => conn.closed, 'the server to see the close');
  assert.equal(conn.closed.code, 4000);
  assert.equal(conn.closed.reason, 'dead link');
  const handlers = new Set(['onopen', 'onmessage', 'onclose', 'onerror'].map((name) => sockets[0][name]));
  assert.equal(handlers.size, 1, 'the abandoned socket\'s handlers are all replaced by one no-op');

  const before = made.statuses.length;
  const second = await reconnect(server, made, 2);
  assert.equal(second.query.get('since'), '2');
  await waitFor(() => client.status === 'connected', 'connected again');
  assert.ok(made.statuses.slice(before).every((st) => st.status !== 'dead'),
    'the abandoned socket\'s late close is ignored');
});

test('connect timeout: a socket that never opens is abandoned and retried with backoff', async (t) => {
  const frozen = await startFrozenServer();
  const made = makeClient(frozen.url, { clock: new FakeClock(() => 0.5) });
  const { client, clock } = made;
  t.after(async () => { client.close(); await frozen.close(); });
  client.connect();
  await waitFor(() => frozen.sockets.length === 1, 'the TCP connection');
  clock.advance(9999);
  assert.equal(client.status, 'connecting');
  clock.advance(1);
  assert.equal(client.status, 'dead');
  assert.equal(made.lastStatus().reason, 'connect timeout');
  assert.equal(made.lastStatus().delayMs, 250, 'random(0, 500) with random() = 0.5');
  assert.equal(client.stats.connectTimeouts, 1);
  await waitFor(() => frozen.sockets[0].closed, 'the abandoned socket to be closed');

  clock.advance(249);
  await settle();
  assert.equal(frozen.sockets.length, 1, 'not before the delay');
  clock.advance(1);
  await waitFor(() => frozen.sockets.length === 2, 'the second attempt');
  clock.advance(10000);
  assert.equal(made.lastStatus().delayMs, 500, 'random(0, 1000): the attempt grew');
  assert.equal(client.stats.connectTimeouts, 2);
});

test('close() stops reconnecting, clears every timer and closes with 1000', async (t) => {
  const server = await startServer();
  const made = makeClient(server.url);
  const { client, clock } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const first = await waitFor(() => server.connections[0], 'connection 1');
  first.close(1011);
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  assert.ok(clock.pending().length > 0, 'a reconnect is scheduled');
  client.close();
  assert.equal(client.status, 'closed');
  assert.deepEqual(clock.pending(), [], 'no timer left');
  clock.advance(120000);
  await settle();
  assert.equal(server.connections.length, 1, 'no reconnect after close()');

  // Started again, then closed while connected.
  client.connect();
  const second = await waitFor(() => server.connections[1], 'connection 2');
  await waitFor(() => client.status === 'connected', 'connected');
  second.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  await waitFor(() => client.stats.frames === 1, 'the state');
  client.close();
  await waitFor(() => second.closed, 'the server to see the close');
  assert.equal(second.closed.code, 1000);
  assert.deepEqual(clock.pending(), []);
  clock.advance(120000);
  await settle();
  assert.equal(server.connections.length, 2);
  assert.equal(client.sessions.get('a').version, 1, 'the view stays readable');
  assert.equal(made.lastStatus().status, 'closed');
});

test('before its first state, a connection gets four times the pong deadline (a large view on a slow link); after a dead link it doubles', async (t) => {
  const server = await startServer();
  const made = makeClient(server.url);
  const { client, clock } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const conn = await waitFor(() => server.connections[0], 'connection 1');
  await waitFor(() => client.status === 'connected', 'connected');
  conn.paused = true;   // the view is still on its way: nothing arrives
  clock.advance(15000);
  await waitFor(() => conn.received.length === 1, 'the ping');
  clock.advance(39999);
  assert.equal(client.status, 'connected', 'no state yet: 40 s to answer');
  clock.advance(1);
  assert.equal(client.status, 'dead');

  const second = await reconnect(server, made, 2);
  await waitFor(() => client.status === 'connected', 'connected again');
  second.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  await waitFor(() => client.stats.frames === 1, 'the state');
  second.paused = true;
  clock.advance(15000);
  await waitFor(() => second.received.length === 1, 'the ping');
  clock.advance(19999);
  assert.equal(client.status, 'connected', 'after a dead link: 20 s');
  clock.advance(1);
  assert.equal(client.status, 'dead');
});

test('a version past 2^53 is not sent as since: the reconnect asks for the whole view', async (t) => {
  const server = await startServer();
  const made = makeClient(server.url);
  const { client } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  const conn = await waitFor(() => server.connections[0], 'connection 1');
  conn.send('{"type":"initial_state","epoch":"E","sessions":[{"session_id":"a","version":9007199254740993}]}');
  await waitFor(() => client.stats.frames === 1, 'the state');
  conn.close(1011, 'SEND_FAILED');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  const second = await reconnect(server, made, 2);
  assert.equal(second.query.get('since'), null);
});
