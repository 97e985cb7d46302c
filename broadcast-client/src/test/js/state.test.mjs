// The view: the version rule, tombstones, full and resumed initial_state, patches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeClient, waitFor, s } from './support.mjs';

/** A connected client and its server connection. */
async function setup(t, options = {}) {
  const server = await startServer();
  const made = makeClient(server.url, options);
  t.after(async () => { made.client.close(); await server.close(); });
  made.client.connect();
  const conn = await waitFor(() => server.connections[0], 'a connection');
  await waitFor(() => made.client.status === 'connected', 'connected');
  /** Sends the messages and waits until the client has read them all. */
  const deliver = async (...messages) => {
    const target = made.client.stats.messages + messages.length;
    for (const message of messages) conn.send(message);
    await waitFor(() => made.client.stats.messages >= target, 'messages read');
  };
  return { ...made, server, conn, deliver };
}

const ids = (client) => [...client.sessions.keys()].sort();

test('a full initial_state replaces everything held', async (t) => {
  const { client, changes, deliver } = await setup(t);
  await deliver({ type: 'initial_state', epoch: 'E1', sessions: [s('a', 3, { status: 'working' }), s('b', 5)] });
  assert.deepEqual(ids(client), ['a', 'b']);
  assert.equal(client.epoch, 'E1');
  assert.equal(client.highestVersion, 5);
  assert.deepEqual(client.sessions.get('a'), s('a', 3, { status: 'working' }));

  // Same epoch, fewer sessions, one at a lower version than held: replaced, not merged.
  await deliver({ type: 'initial_state', epoch: 'E1', sessions: [s('b', 4, { status: 'idle' }), s('c', 6)] });
  assert.deepEqual(ids(client), ['b', 'c']);
  assert.equal(client.sessions.get('b').status, 'idle');
  const last = changes[changes.length - 1];
  assert.equal(last.reset, true);
  assert.equal(last.resumed, false);
  assert.deepEqual([...last.changed.keys()].sort(), ['a', 'b', 'c']);
  assert.equal(last.changed.get('a'), undefined, 'a is reported removed');
  assert.equal(last.changed.has('a'), true);
  assert.equal(last.changed.get('c'), client.sessions.get('c'));
  assert.equal(client.stats.fullStates, 2);
});

test('a full state of a different epoch replaces the view and restarts the highest version', async (t) => {
  const { client, deliver } = await setup(t);
  await deliver({ type: 'initial_state', epoch: 'E1', sessions: [s('a', 100), s('b', 90)] });
  assert.equal(client.highestVersion, 100);
  await deliver({ type: 'initial_state', epoch: 'E2', sessions: [s('a', 3, { status: 'new' })] });
  assert.equal(client.epoch, 'E2');
  assert.deepEqual(ids(client), ['a']);
  assert.equal(client.sessions.get('a').version, 3, 'a lower version from a new epoch is taken');
  assert.equal(client.highestVersion, 3);
  await deliver({ type: 'session_update', session: s('a', 4, { status: 'newer' }) });
  assert.equal(client.sessions.get('a').status, 'newer', 'the old epoch\'s versions no longer matter');
});

test('version rule: duplicates and reordering are harmless', async (t) => {
  const { client, changes, deliver } = await setup(t);
  await deliver({ type: 'initial_state', epoch: 'E', sessions: [s('a', 3, { n: 3 })] });
  await deliver({ type: 'session_update', session: s('a', 5, { n: 5 }) });
  const a5 = client.sessions.get('a');
  await deliver(
    { type: 'session_update', session: s('a', 5, { n: 'duplicate' }) },
    { type: 'session_update', session: s('a', 4, { n: 4 }) },
    { type: 'batch_update', sessions: [s('a', 8, { n: 8 }), s('a', 7, { n: 7 }), s('b', 2, { n: 2 })] },
    { type: 'batch_update', sessions: [s('b', 2, { n: 'dup' }), s('a', 6, { n: 6 })] },
  );
  assert.equal(client.sessions.get('a').n, 8);
  assert.equal(client.sessions.get('b').n, 2);
  assert.equal(a5.n, 5, 'an object handed out is never changed');
  // One change event per data frame, even when nothing changed (manual acks rely on it).
  assert.equal(changes.length, 6);
  assert.equal(changes[2].changed.size, 0, 'the duplicate changed nothing');
  assert.equal(changes[3].changed.size, 0, 'the older one changed nothing');
  assert.deepEqual([...changes[4].changed.keys()], ['a', 'b']);
  assert.equal(changes[4].changed.get('a').n, 8);
  assert.equal(changes[5].changed.size, 0);
  assert.equal(client.stats.frames, 6);
  assert.equal(client.highestVersion, 8);
});

test('a tombstone removes a session and an older full entry does not resurrect it', async (t) => {
  const { client, changes, deliver } = await setup(t);
  await deliver({ type: 'initial_state', epoch: 'E', sessions: [s('a', 3), s('b', 4)] });
  await deliver({ type: 'batch_update', sessions: [{ session_id: 'a', version: 9, removed: true }] });
  assert.deepEqual(ids(client), ['b']);
  assert.equal(changes[1].changed.get('a'), undefined);
  assert.equal(changes[1].changed.has('a'), true);
  assert.equal(client.highestVersion, 9, 'tombstones count toward the highest version');

  await deliver({ type: 'session_update', session: s('a', 7, { status: 'stale' }) });
  assert.equal(client.sessions.has('a'), false, 'older than the tombstone: not resurrected');
  await deliver({ type: 'session_update', session: s('a', 9, { status: 'same' }) });
  assert.equal(client.sessions.has('a'), false, 'same version as the tombstone: not resurrected');

  // A tombstone for a session never held is remembered too.
  await deliver({ type: 'session_update', session: { session_id: 'z', version: 12, removed: true } });
  await deliver({ type: 'session_update', session: s('z', 11) });
  assert.equal(client.sessions.has('z'), false);

  await deliver({ type: 'session_update', session: s('a', 13, { status: 'back' }) });
  assert.equal(client.sessions.get('a').status, 'back', 'a newer entry re-creates it');
});

test('tombstones are bounded (oldest forgotten) and cleared by a full state', async (t) => {
  const { client, deliver } = await setup(t, { maxTombstones: 2 });
  await deliver({ type: 'initial_state', epoch: 'E', sessions: [] });
  await deliver({ type: 'batch_update', sessions: ['x', 'y', 'z'].map((id, i) => ({ session_id: id, version: 10 + i, removed: true })) });
  await deliver({ type: 'batch_update', sessions: [s('x', 1), s('y', 1), s('z', 1)] });
  assert.deepEqual(ids(client), ['x'], 'only the oldest tombstone (x) was forgotten');

  await deliver({ type: 'session_update', session: { session_id: 'q', version: 20, removed: true } });
  await deliver({ type: 'initial_state', epoch: 'E', sessions: [] });
  await deliver({ type: 'session_update', session: s('q', 5) });
  assert.deepEqual(ids(client), ['q'], 'a full state clears the tombstones');
});

test('entries are frozen; the view is read-only; unknown types and junk are ignored', async (t) => {
  const { client, changes, deliver } = await setup(t);
  await deliver(
    { type: 'initial_state', epoch: 'E', sessions: [s('a', 1, { meta: { tags: ['x'] } })] },
    { type: 'presence', who: 'someone' },
    'not json',
    '[1,2]',
    { type: 'batch_update', sessions: [null, 'x', { session_id: 'n' }, { version: 3 }, s('b', 2)] },
  );
  assert.equal(client.stats.messages, 5);
  assert.equal(client.stats.frames, 2);
  assert.equal(changes.length, 2);
  assert.deepEqual(ids(client), ['a', 'b']);
  const a = client.sessions.get('a');
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.meta) && Object.isFrozen(a.meta.tags));
  assert.throws(() => { a.version = 99; }, TypeError);
  assert.equal(typeof client.sessions.set, 'undefined');
  assert.equal(typeof client.sessions.delete, 'undefined');
  assert.deepEqual([...client.sessions].map(([id]) => id), ['a', 'b']);
  const seen = [];
  client.sessions.forEach((value, key, map) => seen.push([key, value.version, map === client.sessions]));
  assert.deepEqual(seen, [['a', 1, true], ['b', 2, true]]);
});

test('patches apply by RFC 7386 onto the object at their base, producing new objects', async (t) => {
  const { client, conn, changes, deliver } = await setup(t);
  assert.equal(conn.query.get('delta'), '1', 'deltas are asked for by default');
  const original = s('a', 7, { status: 'working', tags: ['t1'], meta: { x: 1, y: { z: 2, keep: true } } });
  await deliver({ type: 'initial_state', epoch: 'E', sessions: [original, s('b', 2, { n: 1 })] });
  const held7 = client.sessions.get('a');

  await deliver({
    type: 'batch_update',
    sessions: [
      { session_id: 'a', version: 8, base: 7, patch: { status: null, meta: { y: { z: null, w: 3 } }, added: { k: 'v' } } },
      s('b', 3, { n: 2 }),
    ],
  });
  const held8 = client.sessions.get('a');
  assert.deepEqual(held8, {
    session_id: 'a', version: 8, tags: ['t1'], meta: { x: 1, y: { keep: true, w: 3 } }, added: { k: 'v' },
  });
  assert.deepEqual(held7, original, 'the object at version 7 is untouched');
  assert.ok(Object.isFrozen(held8) && Object.isFrozen(held8.meta.y) && Object.isFrozen(held8.added));
  assert.equal(held8.tags, held7.tags, 'untouched members are shared');
  assert.equal(changes[1].changed.get('a'), held8);
  assert.equal(client.sessions.get('b').n, 2);

  // A duplicate or older patch is ignored; a chain of patches applies in order.
  await deliver({ type: 'session_update', session: { session_id: 'a', version: 8, base: 7, patch: { tags: ['dup'] } } });
  await deliver({ type: 'session_update', session: { session_id: 'a', version: 6, base: 5, patch: { tags: ['old'] } } });
  assert.equal(client.sessions.get('a'), held8);
  await deliver({ type: 'session_update', session: { session_id: 'a', version: 11, base: 8, patch: { tags: ['t2', 't3'] } } });
  assert.deepEqual(client.sessions.get('a').tags, ['t2', 't3']);
  assert.equal(client.sessions.get('a').version, 11);
  assert.equal(client.highestVersion, 11);
  assert.equal(client.stats.patches, 2);
  assert.equal(client.stats.patchMisses, 0);
  assert.equal(client.status, 'connected');
});

test('delta: false does not ask for patches', async (t) => {
  const { conn } = await setup(t, { delta: false });
  assert.equal(conn.query.has('delta'), false);
  assert.equal(conn.query.has('ack'), false);
});

test('an entry with base and patch is a patch only in an update, only with a numeric base and an object patch', async (t) => {
  const { client, deliver } = await setup(t);
  // In an initial_state every entry is whole, whatever its members (another server's fields).
  await deliver({ type: 'initial_state', epoch: 'E', sessions: [s('a', 3, { base: 'main', patch: 'v2' })] });
  assert.equal(client.sessions.get('a').base, 'main');
  // In an update, a base that is not a number is a field: the entry is whole, not a miss.
  await deliver({ type: 'session_update', session: s('a', 4, { base: 'dev' }) });
  assert.equal(client.sessions.get('a').base, 'dev');
  assert.equal(client.stats.patchMisses, 0);
  assert.equal(client.status, 'connected');
});
