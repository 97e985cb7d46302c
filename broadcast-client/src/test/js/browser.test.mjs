// The browser's events, with a fake window and document: offline/online, a tab coming back
// after being hidden, relative URLs, and listeners removed by close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeClient, waitFor, settle, s, FakeClock } from './support.mjs';

/** An EventTarget that counts the listeners it holds. */
class CountingTarget extends EventTarget {
  listeners = new Map();
  addEventListener(type, listener, options) {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    super.addEventListener(type, listener, options);
  }
  removeEventListener(type, listener, options) {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) - 1);
    super.removeEventListener(type, listener, options);
  }
  count() { return [...this.listeners.values()].reduce((a, b) => a + b, 0); }
}

class FakeWindow extends CountingTarget {
  constructor(href) { super(); this.location = { href }; }
  fire(type) { this.dispatchEvent(new Event(type)); }
}

class FakeDocument extends CountingTarget {
  visibilityState = 'visible';
  get hidden() { return this.visibilityState === 'hidden'; }
  show(state) { this.visibilityState = state; this.dispatchEvent(new Event('visibilitychange')); }
}

async function setup(t, options = {}) {
  const server = await startServer();
  const win = new FakeWindow(server.url.replace('ws:', 'http:').replace('/ws/dashboard', '/dashboard/'));
  const doc = new FakeDocument();
  const made = makeClient(options.url ?? server.url, { window: win, document: doc, ...options });
  t.after(async () => { made.client.close(); await server.close(); });
  made.client.connect();
  const conn = await waitFor(() => server.connections[0], 'a connection');
  await waitFor(() => made.client.status === 'connected', 'connected');
  return { ...made, server, conn, win, doc };
}

test('offline says so and checks the link (a ping), keeping the socket; a dead one is dropped and retried as usual', async (t) => {
  const { client, clock, conn, win, made } = await setupWithStatuses(t);
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 4)] });
  await waitFor(() => client.stats.frames === 1, 'the state');

  conn.paused = true;   // the network is really gone: nothing answers
  win.fire('offline');
  assert.equal(client.status, 'offline');
  await waitFor(() => conn.received.includes('ping'), 'a ping at once');
  assert.equal(conn.closed, null, 'the socket is kept');
  clock.advance(10000);   // the pong deadline
  await waitFor(() => client.stats.deadLinks === 1, 'the dead link');
  assert.ok(clock.pending().length > 0, 'a reconnect is scheduled: not waiting on online alone');

  win.fire('online');   // no clock advance: at once, the attempt reset
  const second = await waitFor(() => made.server.connections[1], 'connection 2');
  assert.equal(second.query.get('since'), '4');
  await waitFor(() => client.status === 'connected', 'connected');
});

test('a wrong offline event costs nothing: the link answers, and online says connected again', async (t) => {
  const { client, conn, win } = await setupWithStatuses(t);
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 4)] });
  await waitFor(() => client.stats.frames === 1, 'the state');
  win.fire('offline');
  assert.equal(client.status, 'offline');
  await waitFor(() => client.stats.pongs === 1, 'the pong');
  win.fire('online');
  assert.equal(client.status, 'connected');
  assert.equal(client.stats.reconnects, 0);
  assert.equal(conn.closed, null);
});

async function setupWithStatuses(t) {
  const made = await setup(t);
  return { ...made, made };
}

test('visible after hidden longer than pingInterval: ping now, and a dead link is noticed', async (t) => {
  const { client, clock, conn, doc } = await setup(t);
  conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', 1)] });
  await waitFor(() => client.stats.frames === 1, 'the state');
  doc.show('hidden');
  conn.paused = true;
  clock.jump(20000);   // a hidden tab: the timers did not run
  assert.deepEqual(conn.received, []);
  doc.show('visible');
  await waitFor(() => conn.received.length === 1, 'the ping');
  assert.deepEqual(conn.received, ['ping']);
  clock.advance(9999);
  assert.equal(client.status, 'connected');
  clock.advance(1);
  assert.equal(client.status, 'dead');
  assert.equal(client.stats.deadLinks, 1);
});

test('visible after a short hide: nothing special', async (t) => {
  const { client, clock, conn, doc } = await setup(t);
  doc.show('hidden');
  clock.jump(15000);   // not longer than pingInterval
  doc.show('visible');
  await settle();
  assert.deepEqual(conn.received, []);
  assert.equal(client.stats.deadLinks, 0);
});

test('visible after a long hide while waiting to reconnect: reconnect at once', async (t) => {
  const { client, clock, server, conn, doc, lastStatus } = await setup(t);
  doc.show('hidden');
  conn.close(1013, 'TRY_AGAIN_LATER');
  await waitFor(() => client.status === 'reconnecting', 'reconnecting');
  const { delayMs } = lastStatus();
  assert.ok(delayMs >= 5000);
  clock.jump(16000);   // the backoff timer did not run: throttled
  doc.show('visible');
  await waitFor(() => server.connections[1], 'connection 2');
  assert.equal(clock.pending().includes(delayMs), false, 'the backoff timer is gone');
});

test('a relative url is resolved against the page, http mapped to ws', async (t) => {
  const { conn } = await setup(t, { url: '/ws/dashboard?token=t' });
  assert.equal(conn.query.get('token'), 't');
});

test('close() removes the window and document listeners', async (t) => {
  const { client, server, win, doc } = await setup(t);
  assert.equal(win.listeners.get('online'), 1);
  assert.equal(win.listeners.get('offline'), 1);
  assert.equal(doc.listeners.get('visibilitychange'), 1);
  client.connect();   // already started: no second set of listeners
  assert.equal(win.count() + doc.count(), 3);
  client.close();
  assert.equal(win.count(), 0);
  assert.equal(doc.count(), 0);
  win.fire('online');
  doc.show('visible');
  await settle();
  assert.equal(server.connections.length, 1);
  assert.equal(client.status, 'closed');
});
