/**
 * Declarations of `/broadcast/client.js`: the browser client of broadcast's wire protocol.
 */

/** A session as the server sends it: its id, its version, and the application's fields. */
export interface Session {
  readonly session_id: string;
  readonly version: number;
  readonly [field: string]: unknown;
}

/** The time source and randomness the client uses; tests pass a fake one. */
export interface Clock {
  /** Milliseconds, monotonic (default `performance.now()`). */
  now?(): number;
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(id: any): void;
  /** Uniform in [0, 1) (default `Math.random()`). */
  random?(): number;
}

/** The defaults of the options (times in milliseconds). */
export declare const DEFAULTS: Readonly<{
  delta: boolean;
  ack: false | 'auto' | 'manual';
  pingInterval: number;
  pongTimeout: number;
  connectTimeout: number;
  backoffBase: number;
  backoffCap: number;
  tryLaterMinDelay: number;
  goingAwayWindow: number;
  stableAfter: number;
  maxTombstones: number;
}>;

export interface BroadcastClientOptions {
  /** Ask for JSON Merge Patch deltas (`?delta=1`). Default true. */
  delta?: boolean;
  /** Acknowledge applied data frames (`?ack=1`): `'auto'` (or true) or `'manual'`. Default false. */
  ack?: boolean | 'auto' | 'manual';
  /** A text `ping` this often while open; 0 disables pings and dead-link detection. Default 15000. */
  pingInterval?: number;
  /** After a ping, no frame at all within this time means a dead link. Default 10000. */
  pongTimeout?: number;
  /** A socket not open within this time is abandoned; 0 disables. Default 10000. */
  connectTimeout?: number;
  /** Backoff base: attempt n waits random(0, min(cap, base * 2^n)). Default 500. */
  backoffBase?: number;
  /** Backoff ceiling. Default 30000. */
  backoffCap?: number;
  /** After close 1013 the next delay is this plus the jittered backoff. Default 5000. */
  tryLaterMinDelay?: number;
  /** After close 1001 the reconnect is spread over random(0, max(this, backoff)). Default 5000. */
  goingAwayWindow?: number;
  /** The backoff resets once a connection that got an initial_state has been open this long. Default 5000. */
  stableAfter?: number;
  /** Versions of removed sessions remembered (the most recent ones). Default 10000. */
  maxTombstones?: number;
  /** A WebSocket constructor; default `globalThis.WebSocket` (pass `ws`'s on Node 20). */
  WebSocket?: new (url: string) => any;
  /** Fake time and randomness, for tests. */
  clock?: Clock;
  /** Source of `online`/`offline` events; default `globalThis.window`, null for none. */
  window?: EventTarget | null;
  /** Source of `visibilitychange`; default `globalThis.document`, null for none. */
  document?: (EventTarget & { readonly visibilityState?: string; readonly hidden?: boolean }) | null;
}

export interface ChangeDetail<S extends Session = Session> {
  /** The sessions this frame changed: the new object, or undefined when removed. */
  readonly changed: Map<string, S | undefined>;
  /** A full initial_state replaced the whole view (`changed` lists every session, old and new). */
  readonly reset: boolean;
  /** A resume (initial_state with `since`) was merged into the view. */
  readonly resumed: boolean;
}

export type Status =
  | 'connecting' | 'connected' | 'reconnecting' | 'dead' | 'refused' | 'offline' | 'closed';

export interface StatusDetail {
  readonly status: Status;
  /** The close code (4000 dead link, 4001 connect timeout, 4002 out of sync: the client's own). */
  readonly code?: number;
  readonly reason?: string;
  /** The wait before the next attempt, when one is scheduled. */
  readonly delayMs?: number;
}

export interface ChangeEvent<S extends Session = Session> extends Event {
  readonly detail: ChangeDetail<S>;
}

export interface StatusEvent extends Event {
  readonly detail: StatusDetail;
}

export interface BroadcastClientEventMap<S extends Session = Session> {
  change: ChangeEvent<S>;
  status: StatusEvent;
}

export interface BroadcastStats {
  /** Text frames received, of any type. */
  messages: number;
  /** Data frames applied (initial_state, session_update, batch_update). */
  frames: number;
  /** Connection attempts after the first. */
  reconnects: number;
  /** initial_state frames merged as a resume. */
  resumes: number;
  /** Full initial_state frames. */
  fullStates: number;
  /** Patch entries applied. */
  patches: number;
  /** Patch entries whose base was not held (each forced a resync). */
  patchMisses: number;
  /** Connections dropped to ask for a fresh full state (patch misses, a resume of another epoch). */
  resyncs: number;
  /** Links found dead (no frame within pongTimeout after a ping). */
  deadLinks: number;
  /** Sockets abandoned for not opening within connectTimeout. */
  connectTimeouts: number;
  /** Pong frames received. */
  pongs: number;
  /** `ack N` messages sent. */
  acks: number;
}

/** Applies an RFC 7386 JSON Merge Patch without modifying its arguments. */
export declare function mergePatch(target: unknown, patch: unknown): unknown;

/** A connection to a broadcast endpoint that keeps the server's view of the sessions. */
export declare class BroadcastClient<S extends Session = Session> extends EventTarget {
  constructor(url: string | URL, options?: BroadcastClientOptions);

  /** The sessions held, by session_id; the objects are deeply frozen. */
  readonly sessions: ReadonlyMap<string, S>;
  /** The epoch of the full state the view comes from, or null. */
  readonly epoch: string | null;
  /** The highest version applied from this epoch's frames (sessions and tombstones); 0 if none. */
  readonly highestVersion: number;
  /** The last status reported; 'closed' before connect(). */
  readonly status: Status;
  /** A snapshot of the counters. */
  readonly stats: BroadcastStats;

  /** Starts connecting, and reconnecting, until close(). */
  connect(): void;
  /** Closes for good: no reconnect, timers and window/document listeners removed. */
  close(): void;
  /** Sends `ack N` if acks are on and N grew; returns whether it sent one. */
  acknowledge(): boolean;
  /**
   * Asks for these topics from now on (`{"type":"subscribe","topics":[...]}`; without topics,
   * every topic the server allows); every later connection asks for them too, as
   * `?parameter=NAME` per topic. The server answers with an `initial_state` of them, or closes
   * with 1008. Returns whether the message went now; while a socket is opening (with the old
   * topics) it goes once that socket is open. Throws a TypeError for an empty list. The
   * parameter must be the one the URL was made with.
   */
  subscribe(topics?: readonly string[], parameter?: string): boolean;

  addEventListener<K extends keyof BroadcastClientEventMap<S>>(
    type: K,
    listener: (this: BroadcastClient<S>, event: BroadcastClientEventMap<S>[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof BroadcastClientEventMap<S>>(
    type: K,
    listener: (this: BroadcastClient<S>, event: BroadcastClientEventMap<S>[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}
