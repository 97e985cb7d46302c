// What a reconnect storm costs: N pages (the client module, as the dashboard page runs it) watch a
// server; then every connection is cut at once, as when a proxy or load balancer in front restarts
// while the server stays up, and each page reconnects by itself. Counts the payload of the
// initial_state each new connection starts with: with resume (the module's default, ?since=V) or
// without (--no-resume: each reconnect is a fresh page and gets the whole view).
//
// usage: node tools/reconnect-bytes.mjs <ws-url> [pages=1000] [--no-resume]
import WebSocket from 'ws';
import { BroadcastClient } from '../../../main/resources/META-INF/resources/broadcast/client.js';

const args = process.argv.slice(2);
const resume = !args.includes('--no-resume');
const [url, pagesArg = '1000'] = args.filter((a) => !a.startsWith('--'));
const pages = Number(pagesArg);

const sockets = [];
class CountingSocket extends WebSocket {
  constructor(address) {
    super(address);
    this.received = 0; // Payload bytes of its first message: the initial_state.
    this.on('message', (data) => { if (this.received === 0) this.received = data.length; });
    sockets.push(this);
  }
}
const bytesRead = (list) => list.reduce((sum, s) => sum + s.received, 0);

const options = { WebSocket: CountingSocket, delta: true, window: null, document: null };
const connectAll = (n) => Array.from({ length: n }, () => new BroadcastClient(url, options));
const until = async (condition, what, ms = 120000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out: ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
};

let clients = connectAll(pages);
clients.forEach((c) => c.connect());
await until(() => clients.every((c) => c.status === 'connected' && c.epoch), 'all connected');
await new Promise((r) => setTimeout(r, 2000));
const sessions = clients[0].sessions.size;

// The cut: every socket dropped without a close handshake, at once.
const before = sockets.length;
const cutAt = Date.now();
if (resume) {
  sockets.slice(0, before).forEach((s) => s.terminate());
} else {
  clients.forEach((c) => c.close());
  clients = connectAll(pages); // Fresh pages: nothing to resume from.
  clients.forEach((c) => c.connect());
}
await until(() => clients.every((c) => c.status === 'connected') && sockets.length >= before + pages,
  'all reconnected');
await until(() => sockets.slice(before).filter((s) => s.received > 0).length >= pages, 'states');
const after = sockets.slice(before);
const bytes = bytesRead(after);
const resumes = clients.reduce((n, c) => n + c.stats.resumes, 0);
console.log(JSON.stringify({
  pages, sessions, resume, reconnectMs: Date.now() - cutAt, resumes,
  bytesTotal: bytes, bytesPerPage: Math.round(bytes / pages),
}));
clients.forEach((c) => c.close());
process.exit(0);
