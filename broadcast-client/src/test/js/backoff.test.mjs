// Reconnect delays: exponential backoff with full jitter, the cap, the floor after 1013, the
// window after 1001, refusal (1008), and the reset after a stable connection. The random source
// is seeded or scripted, so every delay is known exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, closedPort, makeClient, waitFor, s, FakeClock, seededRandom,
} from './support.mjs';

/** A random source that records what it returned. */
function recording(source) {
  const drawn = [];
  const random = () => {
    const value = source();
    drawn.push(value);
    return value;
  };
  return { random, drawn };
}

/** A random source that returns the given values in turn, then the last one forever. */
const scripted = (...values) => { let i = 0; return () => values[Math.min(i++, values.length - 1)]; };

/** Waits for the next scheduled reconnect (the n-th status with a delay) and returns it. */
async function nextDelay(made, n) {
  return waitFor(() => made.statuses.filter((st) => 'delayMs' in st)[n - 1], `reconnect ${n}`);
}

test('full jitter: delay n is random(0, min(cap, base * 2^n)), never above the cap', async (t) => {
  const url = await closedPort();
  const { random, drawn } = recording(seededRandom(42));
  const made = makeClient(url, { clock: new FakeClock(random) });
  t.after(() => made.client.close());
  made.client.connect();
  const delays = [];
  for (let n = 1; n <= 12; n++) {
    const status = await nextDelay(made, n);
    assert.equal(status.status, 'reconnecting');
    assert.equal(status.code, 1006, 'a refused TCP connection closes with 1006');
    delays.push(status.delayMs);
    made.clock.advance(status.delayMs);   // the next attempt
  }
  assert.equal(drawn.length, 12);
  delays.forEach((delay, n) => {
    const ceiling = Math.min(30000, 500 * 2 ** n);
    assert.equal(delay, Math.floor(drawn[n] * ceiling), `delay ${n}`);
    assert.ok(delay >= 0 && delay < ceiling, `delay ${n} within [0, ${ceiling})`);
  });
  assert.equal(made.client.stats.reconnects, 12);
});

test('with the largest random value the delays double up to the cap and stay there', async (t) => {
  const url = await closedPort();
  const made = makeClient(url, { clock: new FakeClock(() => 0.99) });
  t.after(() => made.client.close());
  made.client.connect();
  const delays = [];
  for (let n = 1; n <= 9; n++) {
    const status = await nextDelay(made, n);
    delays.push(status.delayMs);
    made.clock.advance(status.delayMs);
  }
  assert.deepEqual(delays, [495, 990, 1980, 3960, 7920, 15840, 29700, 29700, 29700]);
});

test('1013 (try again later): at least tryLaterMinDelay, plus jitter', async (t) => {
  const server = await startServer();
  server.onConnection = (conn) => conn.close(1013, 'TRY_AGAIN_LATER');
  const made = makeClient(server.url, { clock: new FakeClock(scripted(0, 0.5, 0.999)) });
  t.after(async () => { made.client.close(); await server.close(); });
  made.client.connect();
  const delays = [];
  for (let n = 1; n <= 3; n++) {
    const status = await nextDelay(made, n);
    assert.equal(status.code, 1013);
    assert.equal(status.reason, 'TRY_AGAIN_LATER');
    delays.push(status.delayMs);
    made.clock.advance(status.delayMs);
  }
  assert.deepEqual(delays, [5000, 5000 + 500, 5000 + Math.floor(0.999 * 2000)]);
});

test('1001 (going away): spread over goingAwayWindow, not the short first backoff', async (t) => {
  const server = await startServer();
  server.onConnection = (conn) => conn.close(1001, 'SHUTDOWN');
  const made = makeClient(server.url, { clock: new FakeClock(scripted(0.5, 0.999, 0.25)), goingAwayWindow: 8000 });
  t.after(async () => { made.client.close(); await server.close(); });
  made.client.connect();
  const delays = [];
  for (let n = 1; n <= 3; n++) {
    const status = await nextDelay(made, n);
    assert.equal(status.code, 1001);
    delays.push(status.delayMs);
    made.clock.advance(status.delayMs);
  }
  // random(0, max(window, backoff)): 0.5 * 8000, 0.999 * 8000, 0.25 * 8000
  assert.deepEqual(delays, [4000, 7992, 2000]);
});

test('1008 (refused): status "refused", backoff jumps to the cap and stays there', async (t) => {
  const server = await startServer();
  let refuse = true;
  server.onConnection = (conn) => conn.close(refuse ? 1008 : 1011, refuse ? 'POLICY_VIOLATION' : 'SEND_FAILED');
  const made = makeClient(server.url, { clock: new FakeClock(() => 0.5) });
  t.after(async () => { made.client.close(); await server.close(); });
  made.client.connect();
  const first = await nextDelay(made, 1);
  assert.equal(first.status, 'refused');
  assert.equal(first.code, 1008);
  assert.equal(first.delayMs, 15000, 'random(0, cap) at once');
  refuse = false;
  made.clock.advance(first.delayMs);
  const second = await nextDelay(made, 2);
  assert.equal(second.status, 'reconnecting');
  assert.equal(second.delayMs, 15000, 'the next failure stays at the cap');
});

test('the attempt resets once a connection got its initial_state and stayed open stableAfter', async (t) => {
  const server = await startServer();
  // Connections 1-3 fail at once (1011); 4 and 5 get a state and are closed by the test.
  server.onConnection = (conn) => {
    if (server.connections.length <= 3) conn.close(1011, 'SEND_FAILED');
    else conn.send({ type: 'initial_state', epoch: 'E', sessions: [s('a', server.connections.length)] });
  };
  const made = makeClient(server.url, { clock: new FakeClock(() => 0.999) });
  const { client, clock } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  for (let n = 1; n <= 3; n++) clock.advance((await nextDelay(made, n)).delayMs);
  assert.deepEqual(made.statuses.filter((st) => 'delayMs' in st).map((st) => st.delayMs), [499, 999, 1998]);

  // Connection 4: a state, but closed 4999 ms after opening: not stable, the attempt grows on.
  const fourth = await waitFor(() => server.connections[3], 'connection 4');
  await waitFor(() => client.stats.fullStates === 1, 'the state');
  clock.advance(4999);
  fourth.close(1011, 'SEND_FAILED');
  assert.equal((await nextDelay(made, 4)).delayMs, Math.floor(0.999 * 4000));
  clock.advance(made.lastStatus().delayMs);

  // Connection 5: a state, open for 5000 ms: stable, so the next delay starts from the base.
  const fifth = await waitFor(() => server.connections[4], 'connection 5');
  await waitFor(() => client.stats.fullStates === 2, 'the state');
  clock.advance(5000);
  fifth.close(1011, 'SEND_FAILED');
  assert.equal((await nextDelay(made, 5)).delayMs, 499);
});

test('staying open without an initial_state does not reset the attempt', async (t) => {
  const server = await startServer();
  server.onConnection = (conn) => {
    if (server.connections.length <= 2) conn.close(1011, 'SEND_FAILED');
  };
  const made = makeClient(server.url, { clock: new FakeClock(() => 0.999), pingInterval: 0 });
  const { client, clock } = made;
  t.after(async () => { client.close(); await server.close(); });
  client.connect();
  for (let n = 1; n <= 2; n++) clock.advance((await nextDelay(made, n)).delayMs);
  const third = await waitFor(() => server.connections[2], 'connection 3');
  await waitFor(() => client.status === 'connected', 'connected');
  clock.advance(60000);
  third.close(1011, 'SEND_FAILED');
  assert.equal((await nextDelay(made, 3)).delayMs, Math.floor(0.999 * 2000));
});
