// Wire bytes per session update, as a page that offers permessage-deflate as browsers do
// (`permessage-deflate; client_max_window_bits`) receives them: every byte read from the socket
// after the first initial_state, over the session entries received (whole or patches).
//
// usage: node tools/wire-bytes.mjs <ws-url, e.g. ws://127.0.0.1:8765/ws/dashboard?delta=1>
//                                  [seconds=60] [clients=2]
import WebSocket from 'ws';
const [url, seconds = '60', clients = '2'] = process.argv.slice(2);
const results = [];
await Promise.all(Array.from({ length: +clients }, () => new Promise((resolve) => {
  const ws = new WebSocket(url, { perMessageDeflate: { clientMaxWindowBits: true } });
  let base = 0, entries = 0, frames = 0, patches = 0, started = false, payload = 0;
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === 'initial_state' && !started) { started = true; base = ws._socket.bytesRead; return; }
    if (!started) return;
    const list = m.type === 'batch_update' ? m.sessions : m.type === 'session_update' ? [m.session] : [];
    entries += list.length; frames++; payload += data.length;
    patches += list.filter((s) => 'base' in s).length;
  });
  ws.on('open', () => setTimeout(() => {
    results.push({ ext: ws.extensions, entries, frames, patches, wire: ws._socket.bytesRead - base, payload });
    ws.close(); resolve();
  }, +seconds * 1000));
})));
for (const r of results) console.log(JSON.stringify({ ...r, wirePerUpdate: (r.wire / r.entries).toFixed(1), payloadPerUpdate: (r.payload / r.entries).toFixed(1) }));
