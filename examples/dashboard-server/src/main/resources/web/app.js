// The dashboard page: keeps the server's view, draws at most once per animation frame, and
// redraws only the cards whose data changed. Sessions are kept in first-seen order, so a change
// never moves the other cards; the list is virtual, so 1,000 sessions cost only the visible rows.
(() => {
  'use strict';

  const ROW = 84;                // px per card, as in style.css
  const OVERSCAN = 4;            // rows drawn above and below the viewport
  const PING_MS = 15000;         // heartbeat
  const BACKOFF_BASE_MS = 500;   // reconnect: exponential with full jitter...
  const BACKOFF_CAP_MS = 30000;  // ...capped at 30 s

  const sessions = new Map();    // session_id -> session object (with version)
  let order = [];                // session ids, first seen first
  const dirty = new Set();       // ids whose card must be redrawn
  let layoutDirty = true;        // membership changed: positions must be recomputed
  const rows = new Map();        // id -> card element, for the visible rows only
  let drawScheduled = false;

  // Counters, also read by the browser test.
  const stats = window.__dashboard = {
    messages: 0, updates: 0, draws: 0, cardsDrawn: 0, animationFrames: 0, reconnects: 0,
    connected: false, initialStates: 0,
  };

  // The view, for tests and the console: the session object the page holds for an id.
  window.__dashboardSession = (id) => sessions.get(id);
  window.__dashboardSessionCount = () => sessions.size;

  const list = document.getElementById('list');
  const spacer = document.getElementById('spacer');
  const empty = document.getElementById('empty');
  const connection = document.getElementById('connection');

  // --- the view ---------------------------------------------------------------------------

  function applySession(s) {
    const current = sessions.get(s.session_id);
    if (current && current.version >= s.version) return;   // older than what we show
    stats.updates++;
    if (s.removed) {
      if (current) { sessions.delete(s.session_id); layoutDirty = true; }
      return;
    }
    if (!current) { order.push(s.session_id); layoutDirty = true; }
    sessions.set(s.session_id, s);
    dirty.add(s.session_id);
  }

  function replaceAll(list) {
    sessions.clear();
    order = [];
    for (const s of list) { sessions.set(s.session_id, s); order.push(s.session_id); }
    stats.updates += list.length;
    layoutDirty = true;
  }

  function onMessage(text) {
    stats.messages++;
    let message;
    try { message = JSON.parse(text); } catch (e) { return; }
    switch (message.type) {
      case 'initial_state': stats.initialStates++; replaceAll(message.sessions || []); attempt = 0; break;
      case 'session_update': applySession(message.session); break;
      case 'batch_update': for (const s of message.sessions || []) applySession(s); break;
      default: return;  // pong and anything unknown: nothing to draw
    }
    scheduleDraw();
  }

  // --- drawing, at most once per frame ----------------------------------------------------

  function scheduleDraw() {
    if (drawScheduled) return;
    drawScheduled = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    drawScheduled = false;
    stats.draws++;
    if (layoutDirty) {
      order = order.filter((id) => sessions.has(id));
      spacer.style.height = (order.length * ROW) + 'px';
      empty.hidden = order.length > 0;
      document.getElementById('stat-sessions').textContent = order.length;
    }
    const first = Math.max(0, Math.floor(list.scrollTop / ROW) - OVERSCAN);
    const last = Math.min(order.length, Math.ceil((list.scrollTop + list.clientHeight) / ROW) + OVERSCAN);
    const visible = new Set(order.slice(first, last));
    for (const [id, element] of rows) {
      if (!visible.has(id)) { element.remove(); rows.delete(id); }
    }
    for (let i = first; i < last; i++) {
      const id = order[i];
      let element = rows.get(id);
      const fresh = !element;
      if (fresh) {
        element = createCard();
        rows.set(id, element);
        list.appendChild(element);
      }
      if (fresh || layoutDirty) element.style.top = (i * ROW + 4) + 'px';
      if (fresh || dirty.has(id)) { fillCard(element, sessions.get(id)); stats.cardsDrawn++; }
    }
    dirty.clear();
    layoutDirty = false;
  }

  function createCard() {
    const card = document.createElement('article');
    card.className = 'card';
    card.innerHTML = '<div class="top"><span class="project"></span><span class="status"></span>'
      + '<span class="tool"></span><span class="meta"></span></div>'
      + '<div class="task"></div><div class="id"></div>';
    return card;
  }

  function fillCard(card, s) {
    const status = s.status || 'idle';
    card.className = 'card ' + status;
    card.dataset.sessionId = s.session_id;
    card.querySelector('.project').textContent = s.project || s.cwd || s.session_id;
    card.querySelector('.status').textContent = status;
    card.querySelector('.tool').textContent = s.current_tool
      ? s.current_tool + (s.tool_detail ? ' ' + s.tool_detail : '') : '';
    card.querySelector('.meta').textContent = (s.event_count || 0) + ' events · ' + age(s.updated_at);
    card.querySelector('.task').textContent = s.task_description || s.notification || '';
    card.querySelector('.id').textContent = s.session_id + ' · v' + s.version;
  }

  function age(iso) {
    if (!iso) return '';
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return seconds + 's ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + 'm ago';
    return Math.floor(seconds / 3600) + 'h ago';
  }

  list.addEventListener('scroll', () => { layoutDirty = true; scheduleDraw(); }, { passive: true });
  window.addEventListener('resize', () => { layoutDirty = true; scheduleDraw(); });
  // Ages move on their own: refresh the visible cards once a second.
  setInterval(() => { for (const id of rows.keys()) dirty.add(id); scheduleDraw(); }, 1000);

  // Count animation frames, so the test can compare draws with the frame rate.
  (function tick() { stats.animationFrames++; requestAnimationFrame(tick); })();

  // --- the panel --------------------------------------------------------------------------

  let last = { updates: 0, draws: 0, at: performance.now() };
  setInterval(() => {
    const now = performance.now();
    const seconds = (now - last.at) / 1000;
    document.getElementById('stat-updates').textContent = Math.round((stats.updates - last.updates) / seconds);
    document.getElementById('stat-draws').textContent = Math.round((stats.draws - last.draws) / seconds);
    document.getElementById('stat-reconnects').textContent = stats.reconnects;
    last = { updates: stats.updates, draws: stats.draws, at: now };
  }, 1000);

  // --- the connection ---------------------------------------------------------------------

  let attempt = 0;
  let socket = null;
  let heartbeat = null;

  // Same origin: with --token, the cookie the server set when the page was opened with ?token=
  // goes along with the handshake, so the token never sits in this page's address.
  function socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return scheme + '//' + location.host + '/ws/dashboard';
  }

  function setConnection(state) {
    connection.className = 'connection ' + state;
    connection.textContent = state;
    stats.connected = state === 'connected';
  }

  function connect() {
    setConnection('connecting');
    socket = new WebSocket(socketUrl());
    socket.onopen = () => {
      setConnection('connected');
      heartbeat = setInterval(() => { if (socket.readyState === 1) socket.send('ping'); }, PING_MS);
    };
    socket.onmessage = (event) => onMessage(event.data);
    socket.onclose = () => {
      clearInterval(heartbeat);
      setConnection('disconnected');
      // Full jitter: anywhere between 0 and the capped exponential delay.
      const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      attempt++;
      setTimeout(() => { stats.reconnects++; connect(); }, delay);
    };
  }

  connect();
})();
