// @ts-check
/**
 * The browser client of broadcast's wire protocol: keeps the server's view of the sessions,
 * resumes it after a reconnect, applies JSON Merge Patch deltas, detects dead links, and
 * reconnects with jittered exponential backoff. One ES module, no dependencies, no build step;
 * runs unchanged in browsers and in Node >= 20 (pass a `WebSocket` constructor there, e.g. the
 * `ws` package's, unless Node's global one is enabled).
 *
 * Served by the broadcast-client jar at `/broadcast/client.js`; declarations in `client.d.ts`.
 *
 * @module broadcast/client
 */

/**
 * The default of every numeric and boolean option of {@link BroadcastClient}.
 * Times are in milliseconds.
 */
export const DEFAULTS = Object.freeze({
  /** Ask the server for JSON Merge Patch deltas (`?delta=1`). */
  delta: true,
  /** Acknowledge applied data frames: `false`, `'auto'` or `'manual'` (`?ack=1`). */
  ack: /** @type {false | 'auto' | 'manual'} */ (false),
  /** A text `ping` is sent this often while open; 0 disables pings (and so dead-link detection). */
  pingInterval: 15000,
  /** After a ping, the link is dead if no frame at all arrives within this time. */
  pongTimeout: 10000,
  /** A socket that has not opened within this time is abandoned; 0 disables the timeout. */
  connectTimeout: 10000,
  /** Backoff: the delay before reconnect attempt n is random(0, min(cap, base * 2^n)). */
  backoffBase: 500,
  /** Backoff: the ceiling of the delay. */
  backoffCap: 30000,
  /** After close code 1013 (try again later) the next delay is at least this, plus jitter. */
  tryLaterMinDelay: 5000,
  /** After close code 1001 (going away) the reconnect is spread over random(0, this window). */
  goingAwayWindow: 5000,
  /** The backoff attempt counter resets once a connection that got an initial_state has been open this long. */
  stableAfter: 5000,
  /** Versions of removed sessions kept (the most recent ones) so older entries cannot resurrect them. */
  maxTombstones: 10000,
});

/**
 * The time source and randomness the client uses; tests pass a fake one.
 * @typedef {object} Clock
 * @property {() => number} [now] milliseconds, monotonic (default performance.now)
 * @property {(callback: () => void, ms: number) => unknown} [setTimeout]
 * @property {(id: any) => void} [clearTimeout]
 * @property {() => number} [random] uniform in [0, 1) (default Math.random)
 */

/**
 * Options of {@link BroadcastClient}; see {@link DEFAULTS} for the numeric ones.
 * @typedef {object} BroadcastClientOptions
 * @property {boolean} [delta] ask for merge-patch deltas (default true)
 * @property {boolean | 'auto' | 'manual'} [ack] acknowledge applied frames (default false; true means 'auto')
 * @property {number} [pingInterval]
 * @property {number} [pongTimeout]
 * @property {number} [connectTimeout]
 * @property {number} [backoffBase]
 * @property {number} [backoffCap]
 * @property {number} [tryLaterMinDelay]
 * @property {number} [goingAwayWindow]
 * @property {number} [stableAfter]
 * @property {number} [maxTombstones]
 * @property {any} [WebSocket] a WebSocket constructor (default globalThis.WebSocket)
 * @property {Clock} [clock]
 * @property {any} [window] for online/offline events (default globalThis.window; null: none)
 * @property {any} [document] for visibilitychange (default globalThis.document; null: none)
 */

const OPEN = 1;
/** Close codes this client uses for the sockets it abandons (4000-4999 are private use). */
const DEAD_LINK = 4000;
const CONNECT_TIMEOUT = 4001;
const OUT_OF_SYNC = 4002;
const CLIENT_CLOSED = 1000;
const noop = () => {};

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Applies an RFC 7386 JSON Merge Patch: `null` deletes a member, objects merge recursively,
 * anything else (arrays included) replaces. Pure: neither argument is modified, so frozen
 * inputs are fine; members the patch does not touch are shared with `target`, not copied.
 *
 * @param {unknown} target the document to patch (any JSON value, or undefined)
 * @param {unknown} patch the merge patch (any JSON value)
 * @returns {unknown} the patched document
 */
export function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  /** @type {Record<string, any>} */
  const result = isObject(target) ? { ...target } : {};
  for (const name of Object.keys(patch)) {
    const value = patch[name];
    if (value === null) {
      delete result[name];
    } else {
      const merged = mergePatch(Object.hasOwn(result, name) ? result[name] : undefined, value);
      // A plain assignment to "__proto__" would set the prototype instead of a member.
      Object.defineProperty(result, name, { value: merged, writable: true, enumerable: true, configurable: true });
    }
  }
  return result;
}

/** @template T @param {T} value @returns {T} */
function deepFreeze(value) {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(/** @type {any} */ (value)[key]);
  }
  return value;
}

/** An Event with a `detail`, without relying on CustomEvent (absent in some runtimes). */
class BroadcastEvent extends Event {
  /** @param {string} type @param {unknown} detail */
  constructor(type, detail) {
    super(type);
    /** @readonly */
    this.detail = detail;
  }
}

/** A read-only view of a Map: what `client.sessions` hands out. */
class ReadonlyView {
  #map;
  /** @param {Map<string, any>} map */
  constructor(map) { this.#map = map; }
  get size() { return this.#map.size; }
  /** @param {string} key */
  get(key) { return this.#map.get(key); }
  /** @param {string} key */
  has(key) { return this.#map.has(key); }
  keys() { return this.#map.keys(); }
  values() { return this.#map.values(); }
  entries() { return this.#map.entries(); }
  /** @param {(value: any, key: string, map: ReadonlyView) => void} callback @param {unknown} [thisArg] */
  forEach(callback, thisArg) {
    for (const [key, value] of this.#map) callback.call(thisArg, value, key, this);
  }
  [Symbol.iterator]() { return this.#map.entries(); }
  get [Symbol.toStringTag]() { return 'ReadonlyMap'; }
}

/**
 * A connection to a broadcast endpoint that keeps the server's view of the sessions.
 *
 * Events (an `EventTarget`; each event has a `detail`):
 * - `change`: once per data frame applied (`initial_state`, `session_update`,
 *   `batch_update`), even when nothing changed, with
 *   `{changed: Map<id, session | undefined>, reset, resumed}`; `undefined` means removed,
 *   `reset` is true for a full `initial_state` (redraw everything), `resumed` for a resume.
 * - `status`: `{status, code?, reason?, delayMs?}` with status one of `'connecting'`,
 *   `'connected'`, `'reconnecting'`, `'dead'`, `'refused'`, `'offline'`, `'closed'`.
 *
 * Session objects handed out are deeply frozen and never change; an update brings a new object.
 */
export class BroadcastClient extends EventTarget {
  /** @type {URL} */ #url;
  #opt;
  /** @type {false | 'auto' | 'manual'} */ #ack;
  /** @type {any} */ #WebSocket;
  #clock;
  /** @type {any} */ #window;
  /** @type {any} */ #document;

  /** @type {Map<string, any>} */ #sessions = new Map();
  #view = new ReadonlyView(this.#sessions);
  /** @type {Map<string, number>} */ #tombstones = new Map();
  /** @type {string | null} */ #epoch = null;
  #highestVersion = 0;
  /** Set by an out-of-sync frame: the next connection asks for a full state (no since). */
  #needFullState = false;

  /** @type {string} */ #status = 'closed';
  /** connect() was called and close() was not. */
  #active = false;
  /** @type {any} */ #socket = null;
  #sockets = 0;
  #attempt = 0;
  /** @type {number | null} */ #openedAt = null;
  #gotState = false;
  /** The pong deadline now: pongTimeout, doubled after each dead link, reset by a pong. */
  #pongWait = 0;
  #framesApplied = 0;
  #framesAcked = 0;
  /** A subscribe made while a socket was opening with the old URL; sent once it opens. */
  /** @type {string | null} */ #pendingSubscribe = null;
  /** @type {{connect: any, ping: any, pong: any, ack: any, reconnect: any}} */
  #timers = { connect: null, ping: null, pong: null, ack: null, reconnect: null };
  /** @type {number | null} */ #hiddenAt = null;
  #listening = false;
  #stats = {
    messages: 0, frames: 0, reconnects: 0, resumes: 0, fullStates: 0, patches: 0,
    patchMisses: 0, resyncs: 0, deadLinks: 0, connectTimeouts: 0, pongs: 0, acks: 0,
  };

  /**
   * Creates a client; nothing happens until {@link BroadcastClient#connect}.
   *
   * @param {string | URL} url the endpoint, `ws:`/`wss:` (relative and `http(s):` URLs are
   *   resolved against the page's location and mapped to `ws(s):`); its query is kept
   * @param {BroadcastClientOptions} [options]
   */
  constructor(url, options = {}) {
    super();
    const opt = /** @type {Record<string, any>} */ ({});
    for (const [key, value] of Object.entries(DEFAULTS)) opt[key] = options[/** @type {keyof typeof options} */ (key)] ?? value;
    for (const key of Object.keys(DEFAULTS)) {
      if (key !== 'delta' && key !== 'ack' && !(Number.isFinite(opt[key]) && opt[key] >= 0)) {
        throw new TypeError(`option ${key} must be a finite number >= 0, not ${opt[key]}`);
      }
    }
    this.#opt = /** @type {typeof DEFAULTS} */ (opt);
    this.#pongWait = this.#opt.pongTimeout;
    const ack = options.ack;
    if (ack === true || ack === 'auto') this.#ack = 'auto';
    else if (ack === 'manual') this.#ack = 'manual';
    else if (ack === undefined || ack === false || ack === null) this.#ack = false;
    else throw new TypeError(`option ack must be false, 'auto' or 'manual', not ${String(ack)}`);

    this.#window = options.window !== undefined ? options.window
      : (typeof window !== 'undefined' ? window : null);
    this.#document = options.document !== undefined ? options.document
      : (typeof document !== 'undefined' ? document : null);

    const base = this.#window?.location?.href;
    const resolved = new URL(String(url), base);
    if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
    else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
    this.#url = resolved;

    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== 'function') {
      throw new TypeError('no WebSocket: pass options.WebSocket (e.g. the ws package) on this runtime');
    }

    // Each function is called on the clock object, so a class instance works too.
    const c = options.clock ?? {};
    const { now, setTimeout, clearTimeout, random } = c;
    const performance = globalThis.performance;
    this.#clock = {
      now: now ? () => now.call(c) : (performance?.now ? () => performance.now() : () => Date.now()),
      /** @type {(fn: () => void, ms: number) => any} */
      setTimeout: setTimeout ? (fn, ms) => setTimeout.call(c, fn, ms) : (fn, ms) => globalThis.setTimeout(fn, ms),
      /** @type {(id: any) => void} */
      clearTimeout: clearTimeout ? (id) => clearTimeout.call(c, id) : (id) => globalThis.clearTimeout(id),
      random: random ? () => random.call(c) : () => Math.random(),
    };
  }

  /**
   * The sessions held, by session_id. Read-only; the objects are frozen.
   * @returns {ReadonlyMap<string, any>}
   */
  get sessions() { return /** @type {any} */ (this.#view); }

  /** The epoch of the full state the view comes from, or null before the first one. */
  get epoch() { return this.#epoch; }

  /** The highest version applied from this epoch's frames (sessions and tombstones); 0 if none. */
  get highestVersion() { return this.#highestVersion; }

  /** The current status, as last reported by a `status` event (`'closed'` before connect()). */
  get status() { return this.#status; }

  /** A snapshot of the counters. */
  get stats() { return { ...this.#stats }; }

  /**
   * Starts connecting (and keeps reconnecting) until {@link BroadcastClient#close}.
   * Does nothing if already started. Add the event listeners before calling it.
   */
  connect() {
    if (this.#active) return;
    this.#active = true;
    this.#attempt = 0;
    this.#listen(true);
    this.#open();
  }

  /**
   * Closes the connection for good (code 1000): no reconnect, timers cleared, and the
   * window/document listeners removed. The sessions held stay readable. connect() starts again.
   */
  close() {
    if (!this.#active) return;
    this.#active = false;
    this.#clearTimer('reconnect');
    this.#abandon(CLIENT_CLOSED, 'client closed');
    this.#listen(false);
    this.#setStatus('closed', {});
  }

  /**
   * Sends `ack N` when acks are on and the number N of data frames applied on this connection
   * grew since the last ack. With `ack: 'manual'` call it once the app has drawn what the
   * `change` events brought (e.g. from requestAnimationFrame). Safe to call at any time.
   *
   * @returns {boolean} whether an ack was sent
   */
  acknowledge() {
    if (!this.#ack || this.#framesApplied <= this.#framesAcked) return false;
    if (!this.#send('ack ' + this.#framesApplied)) return false;
    this.#framesAcked = this.#framesApplied;
    this.#stats.acks++;
    return true;
  }

  /**
   * Asks for these topics from now on, with `{"type":"subscribe","topics":[...]}` (without
   * `topics`: every topic the server lets this client see). The server answers with an
   * `initial_state` of them (a `change` with `reset`), or closes with 1008 if it does not allow
   * them. Every later connection asks for them too, with `?parameter=NAME` per topic, replacing
   * those in the URL it was made with.
   *
   * @param {string[]} [topics] the topics, or undefined for all allowed
   * @param {string} [parameter] the server's query parameter for topics (`topic` by default;
   *   `project` on the example dashboard)
   * @returns {boolean} whether the message went now; false while not connected (the next
   *   connection asks for the topics in its URL) or while a socket opens (made with the old
   *   topics: it sends the message once open)
   * @throws {TypeError} for an empty list (`subscribe()` asks for every topic allowed)
   */
  subscribe(topics, parameter = 'topic') {
    const list = topics === undefined ? undefined : [...topics].map(String);
    if (list !== undefined && list.length === 0) {
      throw new TypeError('subscribe needs at least one topic; subscribe() asks for every one allowed');
    }
    this.#url.searchParams.delete(parameter);
    for (const topic of list ?? []) this.#url.searchParams.append(parameter, topic);
    const message = JSON.stringify(list === undefined ? { type: 'subscribe' } : { type: 'subscribe', topics: list });
    if (this.#send(message)) return true;
    // A socket still opening was made with the old URL: it sends the message once open.
    this.#pendingSubscribe = this.#socket ? message : null;
    return false;
  }

  // --- the connection -------------------------------------------------------------------------

  #connectUrl() {
    const url = new URL(this.#url.href);
    if (this.#opt.delta) url.searchParams.set('delta', '1');
    if (this.#ack) url.searchParams.set('ack', '1');
    // A version past 2^53 cannot be said exactly: resuming from a rounded one could skip changes.
    if (this.#epoch !== null && !this.#needFullState && Number.isSafeInteger(this.#highestVersion)) {
      url.searchParams.set('since', String(this.#highestVersion));
      url.searchParams.set('epoch', this.#epoch);
    }
    return url.href;
  }

  #open() {
    if (!this.#active) return;
    this.#clearTimer('reconnect');
    this.#pendingSubscribe = null; // The new socket's URL has the topics.
    if (this.#sockets++ > 0) this.#stats.reconnects++;
    this.#openedAt = null;
    this.#gotState = false;
    this.#framesApplied = 0;
    this.#framesAcked = 0;
    this.#setStatus('connecting', {});
    if (!this.#active || this.#socket) return;  // a status listener closed or reconnected
    let socket;
    try {
      socket = new this.#WebSocket(this.#connectUrl());
    } catch (error) {
      this.#closed(1006, String(/** @type {any} */ (error)?.message ?? error), null);
      return;
    }
    this.#socket = socket;
    socket.onopen = () => { if (socket === this.#socket) this.#opened(); };
    socket.onmessage = (/** @type {{data: unknown}} */ event) => {
      if (socket === this.#socket) this.#message(socket, event.data);
    };
    socket.onerror = noop;  // a close event follows
    socket.onclose = (/** @type {{code: number, reason: string}} */ event) => {
      if (socket !== this.#socket) return;
      this.#detach();
      this.#closed(event.code, event.reason ?? '', null);
    };
    if (this.#opt.connectTimeout > 0) {
      this.#timers.connect = this.#clock.setTimeout(() => {
        this.#timers.connect = null;
        if (socket !== this.#socket || socket.readyState === OPEN) return;
        this.#stats.connectTimeouts++;
        this.#drop(CONNECT_TIMEOUT, 'connect timeout', 'dead');
      }, this.#opt.connectTimeout);
    }
  }

  #opened() {
    this.#clearTimer('connect');
    this.#openedAt = this.#clock.now();
    const pending = this.#pendingSubscribe;
    this.#pendingSubscribe = null;
    if (pending !== null) this.#send(pending);
    this.#schedulePing();
    this.#setStatus('connected', {});
  }

  /** Forgets the socket: timers cleared, handlers replaced by no-ops so late events are ignored. */
  #detach() {
    const socket = this.#socket;
    this.#socket = null;
    for (const name of /** @type {const} */ (['connect', 'ping', 'pong', 'ack'])) this.#clearTimer(name);
    if (socket) {
      // No-ops rather than null: some implementations (ws) throw on an 'error' nobody listens to.
      socket.onopen = noop;
      socket.onmessage = noop;
      socket.onclose = noop;
      socket.onerror = noop;
    }
    return socket;
  }

  /** Detaches and closes the socket, if any. */
  #abandon(/** @type {number} */ code, /** @type {string} */ reason) {
    const socket = this.#detach();
    if (!socket) return;
    try {
      socket.close(code, reason);
    } catch {
      try { socket.close(); } catch { /* already closed */ }
    }
  }

  /** Abandons the socket on our own initiative, then reconnects as after a close with `code`. */
  #drop(/** @type {number} */ code, /** @type {string} */ reason, /** @type {string | null} */ status) {
    this.#abandon(code, reason);
    this.#closed(code, reason, status);
  }

  /** The connection is gone: schedule the next attempt. */
  #closed(/** @type {number} */ code, /** @type {string} */ reason, /** @type {string | null} */ status) {
    if (!this.#active) return;
    const opt = this.#opt;
    const now = this.#clock.now();
    if (this.#gotState && this.#openedAt !== null && now - this.#openedAt >= opt.stableAfter) this.#attempt = 0;
    const ceiling = Math.min(opt.backoffCap, opt.backoffBase * 2 ** this.#attempt);
    const random = this.#clock.random();
    let delay;
    if (code === 1008 || code === 1009) {
      // Refused (bad token or origin, flood, oversized message): retrying soon will not help.
      status = 'refused';
      let toCap = 0;
      while (toCap < 60 && opt.backoffBase * 2 ** toCap < opt.backoffCap) toCap++;
      this.#attempt = Math.max(this.#attempt, toCap);
      delay = random * opt.backoffCap;
    } else if (code === 1013) {
      delay = opt.tryLaterMinDelay + random * ceiling;   // the server is overloaded
    } else if (code === 1001) {
      delay = random * Math.max(opt.goingAwayWindow, ceiling);   // a restart: spread the herd
    } else {
      delay = random * ceiling;
    }
    this.#attempt = Math.min(this.#attempt + 1, 60);
    delay = Math.floor(delay);
    this.#timers.reconnect = this.#clock.setTimeout(() => {
      this.#timers.reconnect = null;
      this.#open();
    }, delay);
    this.#setStatus(status ?? 'reconnecting', { code, reason, delayMs: delay });
  }

  #send(/** @type {string} */ text) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    try {
      socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  #pingsOn() { return this.#opt.pingInterval > 0; }

  #schedulePing() {
    this.#clearTimer('ping');
    if (!this.#pingsOn()) return;
    this.#timers.ping = this.#clock.setTimeout(() => {
      this.#timers.ping = null;
      this.#ping();
    }, this.#opt.pingInterval);
  }

  /**
   * Sends a ping; the link is dead if no frame at all arrives within the pong deadline. A frame
   * counts once it has fully arrived, so on a slow link a large one can outlast the deadline: it
   * is four times longer until this connection's first state has arrived (a whole view can be
   * large), and it doubles (to four times) after each link found dead, back once a pong comes.
   */
  #ping() {
    this.#schedulePing();   // First: a failed send must not stop the pings.
    if (!this.#send('ping')) return;
    if (this.#timers.pong === null) {
      const deadline = this.#gotState ? this.#pongWait : 4 * this.#opt.pongTimeout;
      this.#timers.pong = this.#clock.setTimeout(() => {
        this.#timers.pong = null;
        this.#stats.deadLinks++;
        this.#pongWait = Math.min(2 * this.#pongWait, 4 * this.#opt.pongTimeout);
        this.#drop(DEAD_LINK, 'dead link', 'dead');
      }, Math.max(deadline, this.#pongWait));
    }
  }

  #clearTimer(/** @type {'connect' | 'ping' | 'pong' | 'ack' | 'reconnect'} */ name) {
    const id = this.#timers[name];
    if (id !== null) {
      this.#timers[name] = null;
      this.#clock.clearTimeout(id);
    }
  }

  #setStatus(/** @type {string} */ status, /** @type {object} */ extra) {
    this.#status = status;
    this.dispatchEvent(new BroadcastEvent('status', { status, ...extra }));
  }

  // --- the view -------------------------------------------------------------------------------

  #message(/** @type {any} */ socket, /** @type {unknown} */ data) {
    this.#stats.messages++;
    this.#clearTimer('pong');   // any frame proves the link alive
    if (typeof data !== 'string') return;
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isObject(message)) return;
    switch (message.type) {
      case 'initial_state':
      case 'session_update':
      case 'batch_update':
        this.#frame(socket, message);
        return;
      case 'pong':
        this.#stats.pongs++;
        this.#pongWait = this.#opt.pongTimeout;
        return;
      default:
        return;   // forward compatible: unknown types are ignored
    }
  }

  #frame(/** @type {any} */ socket, /** @type {Record<string, any>} */ message) {
    /** @type {Map<string, any>} */
    const changed = new Map();
    let reset = false;
    let resumed = false;
    if (message.type === 'initial_state') {
      const epoch = message.epoch == null ? null : String(message.epoch);
      if (message.since != null) {
        // A resume: only what changed after `since`. Versions compare only within one epoch.
        if (this.#epoch === null || epoch !== this.#epoch) {
          this.#resync();
          return;
        }
        resumed = true;
        this.#stats.resumes++;
      } else {
        reset = true;
        this.#stats.fullStates++;
        for (const id of this.#sessions.keys()) changed.set(id, undefined);
        this.#sessions.clear();
        this.#tombstones.clear();
        if (epoch !== this.#epoch) this.#highestVersion = 0;
        this.#epoch = epoch;
        this.#needFullState = false;
      }
      this.#gotState = true;
    }
    const entries = message.type === 'session_update' ? [message.session] : message.sessions;
    let inSync = true;
    if (Array.isArray(entries)) {
      for (const entry of entries) {
        if (!this.#apply(entry, changed, message.type !== 'initial_state')) {
          inSync = false;
          break;
        }
      }
    }
    if (!inSync) {
      // What was applied before the miss is valid: report it, then start over with a full state.
      if (changed.size > 0 || reset) this.#change(changed, reset, resumed);
      if (socket === this.#socket) this.#resync();
      return;
    }
    this.#framesApplied++;
    this.#stats.frames++;
    this.#change(changed, reset, resumed);
    if (socket === this.#socket && this.#ack === 'auto' && this.#timers.ack === null) {
      // Once per macrotask: frames already queued are applied first and acked together.
      this.#timers.ack = this.#clock.setTimeout(() => {
        this.#timers.ack = null;
        this.acknowledge();
      }, 0);
    }
  }

  #change(/** @type {Map<string, any>} */ changed, /** @type {boolean} */ reset, /** @type {boolean} */ resumed) {
    this.dispatchEvent(new BroadcastEvent('change', { changed, reset, resumed }));
  }

  /** Out of sync: drop the connection and reconnect asking for a full state. */
  #resync() {
    this.#stats.resyncs++;
    this.#needFullState = true;
    this.#drop(OUT_OF_SYNC, 'out of sync', null);
  }

  /**
   * Applies one entry by the version rule.
   * @returns {boolean} false if the entry is a patch whose base is not held (out of sync)
   */
  #apply(/** @type {unknown} */ entry, /** @type {Map<string, any>} */ changed, /** @type {boolean} */ patches) {
    if (!isObject(entry)) return true;
    const id = entry.session_id;
    const version = entry.version;
    if (typeof id !== 'string' || typeof version !== 'number' || !Number.isFinite(version)) return true;
    const current = this.#sessions.get(id);
    const held = current !== undefined ? current.version : this.#tombstones.get(id);
    if (held !== undefined && held >= version) return true;   // a duplicate or older: ignore
    if (entry.removed === true) {
      if (current !== undefined) {
        this.#sessions.delete(id);
        changed.set(id, undefined);
      }
      this.#tombstones.delete(id);   // re-inserted last: the map evicts the oldest
      this.#tombstones.set(id, version);
      if (this.#tombstones.size > this.#opt.maxTombstones) {
        this.#tombstones.delete(/** @type {string} */ (this.#tombstones.keys().next().value));
      }
    } else {
      let next;
      if (patches && typeof entry.base === 'number' && isObject(entry.patch)) {
        if (current === undefined || current.version !== entry.base) {
          this.#stats.patchMisses++;
          return false;
        }
        next = /** @type {Record<string, any>} */ (mergePatch(current, entry.patch));
        next.session_id = id;
        next.version = version;
        this.#stats.patches++;
      } else {
        next = entry;   // parsed for us alone: safe to freeze and hand out
      }
      deepFreeze(next);
      this.#tombstones.delete(id);
      this.#sessions.set(id, next);
      changed.set(id, next);
    }
    if (version > this.#highestVersion) this.#highestVersion = version;
    return true;
  }

  // --- the browser --------------------------------------------------------------------------

  // The browser says it is offline: say so, and check the link now. The socket is kept (an
  // `offline` event can be wrong: VPNs, virtual adapters); a dead one is found by the ping, and a
  // closed one is retried with the usual backoff, so the page never waits on `online` alone.
  #onOffline = () => {
    if (!this.#active) return;
    this.#setStatus('offline', {});
    if (this.#socket?.readyState === OPEN) this.#ping();
  };

  // Back online: reconnect at once if there is no socket, else check the link and say so.
  #onOnline = () => {
    if (!this.#active) return;
    this.#attempt = 0;
    if (!this.#socket) {
      this.#open();
    } else if (this.#socket.readyState === OPEN) {
      this.#setStatus('connected', {});
      this.#ping();
    }
  };

  #onVisibility = () => {
    const doc = this.#document;
    const now = this.#clock.now();
    if (doc.visibilityState === 'hidden' || doc.hidden === true) {
      this.#hiddenAt ??= now;
      return;
    }
    const hiddenAt = this.#hiddenAt;
    this.#hiddenAt = null;
    if (hiddenAt === null || !this.#active || !this.#pingsOn()) return;
    if (now - hiddenAt <= this.#opt.pingInterval) return;
    // Timers are throttled in hidden tabs: check the link now rather than at the next ping.
    if (this.#socket?.readyState === OPEN) this.#ping();
    else if (!this.#socket && this.#timers.reconnect !== null && this.#status !== 'refused') this.#open();
  };

  #listen(/** @type {boolean} */ on) {
    if (on === this.#listening) return;
    this.#listening = on;
    const win = this.#window;
    const doc = this.#document;
    const method = on ? 'addEventListener' : 'removeEventListener';
    if (typeof win?.[method] === 'function') {
      win[method]('online', this.#onOnline);
      win[method]('offline', this.#onOffline);
    }
    if (typeof doc?.[method] === 'function') {
      doc[method]('visibilitychange', this.#onVisibility);
      if (on && (doc.visibilityState === 'hidden' || doc.hidden === true)) this.#hiddenAt = this.#clock.now();
    }
  }
}
