// Shared by the tests: a fake clock, a seeded random, a fake broadcast server built on ws, and
// waiting on real I/O (never on the fake clock, which only moves when a test advances it).
import { once } from 'node:events';
import net from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { BroadcastClient } from '../../main/resources/META-INF/resources/broadcast/client.js';

export { WebSocket };

/** A scheduler whose time moves only when told to: the client's `clock` option. */
export class FakeClock {
  #now = 0;
  #timers = new Map();
  #next = 1;

  /** @param {() => number} random */
  constructor(random = seededRandom(1)) {
    this.random = random;
  }

  now() { return this.#now; }

  setTimeout(callback, ms) {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback, delay: ms });
    return id;
  }

  clearTimeout(id) { this.#timers.delete(id); }

  /** Runs, in order, every timer due within `ms`, moving time to each one's due time. */
  advance(ms) {
    const end = this.#now + ms;
    for (;;) {
      let dueId = null;
      let due = null;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= end && (due === null || timer.at < due.at)) { dueId = id; due = timer; }
      }
      if (due === null) break;
      this.#timers.delete(dueId);
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
  }

  /** Moves time without running any timer: a suspended or throttled tab. */
  jump(ms) { this.#now += ms; }

  /** The pending timers' delays, as scheduled. */
  pending() { return [...this.#timers.values()].map((t) => t.delay); }
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `predicate` on real time until it is truthy; fails after `timeout` ms. */
export async function waitFor(predicate, what = 'condition', timeout = 2000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Lets real I/O run for a moment (to show that something does NOT happen). */
export const settle = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fake broadcast server on 127.0.0.1 (port 0). Each connection records the query it was
 * opened with, the text it received, and how it closed; it answers `ping` with a pong unless
 * paused (a frozen server: it sends nothing and ignores pings).
 */
export async function startServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const server = {
    url: `ws://127.0.0.1:${wss.address().port}/ws/dashboard`,
    /** @type {Array<any>} */
    connections: [],
    /** Called with each new connection (e.g. to send an initial_state or close it). */
    onConnection: null,
    last() { return this.connections[this.connections.length - 1]; },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
  wss.on('connection', (ws, request) => {
    const connection = {
      ws,
      query: new URL(request.url, 'http://localhost').searchParams,
      received: [],
      paused: false,
      closed: null,
      send(message) { ws.send(typeof message === 'string' ? message : JSON.stringify(message)); },
      close(code, reason) { ws.close(code, reason); },
    };
    ws.on('message', (data) => {
      const text = data.toString();
      connection.received.push(text);
      if (text === 'ping' && !connection.paused) ws.send('{"type":"pong"}');
    });
    ws.on('close', (code, reason) => { connection.closed = { code, reason: reason.toString() }; });
    server.connections.push(connection);
    server.onConnection?.(connection);
  });
  return server;
}

/** A server that accepts TCP connections and never answers: a frozen process. */
export async function startFrozenServer() {
  const sockets = [];
  const tcp = net.createServer((socket) => {
    const entry = { socket, closed: false };
    socket.on('close', () => { entry.closed = true; });
    socket.on('error', () => {});
    socket.resume();   // read and discard the handshake, so that the client's FIN is seen
    sockets.push(entry);
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  return {
    url: `ws://127.0.0.1:${tcp.address().port}/ws/dashboard`,
    sockets,
    async close() {
      for (const { socket } of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    },
  };
}

/** A port nothing listens on: connections are refused at once (close 1006). */
export async function closedPort() {
  const tcp = net.createServer();
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const { port } = tcp.address();
  await new Promise((resolve) => tcp.close(resolve));
  return `ws://127.0.0.1:${port}/ws/dashboard`;
}

/**
 * A client on the fake clock with the `ws` package's WebSocket, recording its events.
 * No window/document (Node), unless given.
 */
export function makeClient(url, options = {}) {
  const clock = options.clock ?? new FakeClock();
  const client = new BroadcastClient(url, { WebSocket, window: null, document: null, ...options, clock });
  const statuses = [];
  const changes = [];
  client.addEventListener('status', (event) => statuses.push(event.detail));
  client.addEventListener('change', (event) => changes.push(event.detail));
  return { client, clock, statuses, changes, lastStatus: () => statuses[statuses.length - 1] };
}

/** A full session object. */
export const s = (id, version, fields = {}) => ({ session_id: id, version, ...fields });
