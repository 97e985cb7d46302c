// The dashboard page: keeps the server's view, draws at most once per animation frame, and
// redraws only the cards whose data changed. Sessions that need their user come first, in a
// section of their own; the rest follow by status, or grouped by project. The list is virtual:
// only the rows in view (and a few around them) exist in the DOM, so 1,000 sessions cost what the
// visible ones cost. Layout (the order of rows) is recomputed only when membership, a filter, or
// a session's status, attention or project changes.
//
// The protocol (versions, tombstones, resume, patches, acks, dead links, reconnects) is the
// library's browser client, /broadcast/client.js; this page only draws what it holds.
import { BroadcastClient } from '/broadcast/client.js';

{

  const ROW = 92;                // px per card, as --row in style.css
  const HEAD = 36;               // px per section heading, as --head
  const OVERSCAN = 4;            // rows drawn above and below the viewport
  const TITLE = document.title;
  const RANK = { waiting: 0, working: 1, compacting: 2, idle: 3, ended: 4 };

  const sessions = new Map();    // session_id -> session object (with version)
  const firstSeen = new Map();   // session_id -> sequence number: a stable tie-break
  let seen = 0;
  const dirty = new Set();       // ids whose card must be redrawn
  let layoutDirty = true;        // order or membership changed: rows must be recomputed
  let rows = [];                 // [{ key, kind: 'section'|'card', id?, label?, top, height }]
  let totalHeight = 0;
  const elements = new Map();    // row key -> element, for the drawn rows only
  let drawScheduled = false;
  let focusedId = null;          // the card that has keyboard focus, kept across redraws

  const filter = { text: '', status: null, group: false };

  // Counters, also read by the browser tests.
  const stats = window.__dashboard = {
    messages: 0, updates: 0, draws: 0, layouts: 0, cardsDrawn: 0, animationFrames: 0,
    reconnects: 0, connected: false, initialStates: 0, notifications: 0, acked: 0, deadLinks: 0,
  };
  // The view, for tests and the console.
  window.__dashboardSession = (id) => sessions.get(id);
  window.__dashboardSessionCount = () => sessions.size;
  window.__dashboardRows = () => rows.map((r) => (r.kind === 'card' ? r.id : '# ' + r.label));

  const list = document.getElementById('list');
  const spacer = document.getElementById('spacer');
  const empty = document.getElementById('empty');
  const connection = document.getElementById('connection');
  const filterInput = document.getElementById('filter');
  const groupInput = document.getElementById('group');
  const notifyButton = document.getElementById('notify');

  // --- the view ---------------------------------------------------------------------------

  const needsYou = (s) => !!s.attention && s.status !== 'ended';

  /** Whether a change of this session can move it: its status, attention or project. */
  function moves(before, after) {
    return !before || before.status !== after.status || before.attention !== after.attention
      || before.project !== after.project;
  }

  /** Takes one session the client changed: its new object, or undefined once removed. */
  function applySession(id, s) {
    const current = sessions.get(id);
    stats.updates++;
    if (!s) {
      if (current) { sessions.delete(id); layoutDirty = true; }
      return;
    }
    if (!firstSeen.has(id)) firstSeen.set(id, seen++);
    if (moves(current, s)) layoutDirty = true;
    if (current && !needsYou(current) && needsYou(s)) notify(s);
    sessions.set(id, s);
    dirty.add(id);
  }

  // --- filtering and layout ---------------------------------------------------------------

  function matches(s) {
    if (filter.status === 'attention' ? !needsYou(s) : filter.status && s.status !== filter.status) {
      return false;
    }
    if (!filter.text) return true;
    const haystack = [s.project, s.cwd, s.task_description, s.notification, s.git_branch, s.model,
      s.current_tool, s.tool_detail, s.session_id, s.status, s.summary].join(' ').toLowerCase();
    return filter.text.split(/\s+/).every((word) => haystack.includes(word));
  }

  function byStatus(a, b) {
    return (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3) || firstSeen.get(a.session_id) - firstSeen.get(b.session_id);
  }

  function byWait(a, b) {
    // Permission before input; then whoever has waited longest.
    return (a.attention === 'permission' ? 0 : 1) - (b.attention === 'permission' ? 0 : 1)
      || String(a.status_since || '').localeCompare(String(b.status_since || ''))
      || firstSeen.get(a.session_id) - firstSeen.get(b.session_id);
  }

  function layout() {
    stats.layouts++;
    const shown = [];
    const counts = { attention: 0, working: 0, waiting: 0, idle: 0, ended: 0 };
    for (const s of sessions.values()) {
      if (needsYou(s)) counts.attention++;
      if (s.status in counts) counts[s.status]++;
      else if (s.status === 'compacting') counts.working++;
      if (matches(s)) shown.push(s);
    }
    const sections = [];
    const attention = shown.filter(needsYou).sort(byWait);
    const rest = shown.filter((s) => !needsYou(s));
    if (attention.length) sections.push({ label: `Needs you (${attention.length})`, kind: 'attention', items: attention });
    if (filter.group) {
      const groups = new Map();
      for (const s of rest) {
        const project = s.project || s.cwd || '(no project)';
        if (!groups.has(project)) groups.set(project, []);
        groups.get(project).push(s);
      }
      for (const project of [...groups.keys()].sort((a, b) => a.localeCompare(b))) {
        const items = groups.get(project).sort(byStatus);
        sections.push({ label: `${project} (${items.length})`, kind: 'project', items });
      }
    } else if (rest.length) {
      sections.push({ label: attention.length ? `Everything else (${rest.length})` : null, kind: 'rest', items: rest.sort(byStatus) });
    }
    rows = [];
    let top = 4;
    for (const section of sections) {
      if (section.label) {
        rows.push({ key: 'section:' + section.kind + ':' + section.label.replace(/ \(\d+\)$/, ''),
          kind: 'section', label: section.label, attention: section.kind === 'attention', top, height: HEAD });
        top += HEAD;
      }
      for (const s of section.items) {
        rows.push({ key: 'card:' + s.session_id, kind: 'card', id: s.session_id, top, height: ROW });
        top += ROW;
      }
    }
    totalHeight = top;
    spacer.style.height = totalHeight + 'px';
    empty.hidden = sessions.size > 0;
    for (const [status, count] of Object.entries(counts)) {
      document.getElementById('count-' + status).textContent = count;
    }
    document.getElementById('stat-sessions').textContent = sessions.size;
    document.title = counts.attention ? `(${counts.attention}) ${TITLE}` : TITLE;
  }

  /** The index of the first row whose bottom is below {@code y}: a binary search. */
  function rowAt(y) {
    let low = 0, high = rows.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (rows[mid].top + rows[mid].height <= y) low = mid + 1; else high = mid;
    }
    return low;
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
    acknowledge();
    const relayout = layoutDirty;
    if (layoutDirty) { layout(); layoutDirty = false; }
    const first = Math.max(0, rowAt(list.scrollTop) - OVERSCAN);
    const last = Math.min(rows.length, rowAt(list.scrollTop + list.clientHeight) + 1 + OVERSCAN);
    const visible = new Set();
    for (let i = first; i < last; i++) visible.add(rows[i].key);
    for (const [key, element] of elements) {
      if (!visible.has(key)) {
        if (element.contains(document.activeElement)) continue;  // keep the focused card alive
        element.remove(); elements.delete(key);
      }
    }
    for (let i = first; i < last; i++) {
      const row = rows[i];
      let element = elements.get(row.key);
      const fresh = !element;
      if (fresh) {
        element = row.kind === 'card' ? createCard(row.id) : createSection();
        elements.set(row.key, element);
        list.appendChild(element);
      }
      if (fresh || relayout) element.style.top = row.top + 'px';
      if (row.kind === 'section') {
        if (fresh || relayout) fillSection(element, row);
      } else if (fresh || dirty.has(row.id)) {
        fillCard(element, sessions.get(row.id));
        stats.cardsDrawn++;
      }
    }
    dirty.clear();
  }

  function createSection() {
    const heading = document.createElement('h2');
    heading.className = 'section';
    return heading;
  }

  function fillSection(element, row) {
    element.textContent = row.label;
    element.classList.toggle('attention', row.attention);
  }

  function createCard(id) {
    const card = document.createElement('article');
    card.className = 'card';
    card.tabIndex = 0;
    card.dataset.sessionId = id;
    card.innerHTML = '<div class="top"><span class="project"></span><span class="status"></span>'
      + '<span class="attention"></span><span class="since"></span><span class="meta"></span></div>'
      + '<div class="tool"></div><div class="task"></div><div class="id"></div>';
    card.addEventListener('focus', () => { focusedId = id; });
    return card;
  }

  function fillCard(card, s) {
    const status = s.status || 'idle';
    card.className = 'card ' + status + (needsYou(s) ? ' needs-you' : '');
    const attention = s.status === 'ended' ? '' : s.attention === 'permission'
      ? 'needs permission' : s.attention === 'input' ? 'your turn' : '';
    const title = s.project || s.cwd || s.session_id;
    card.querySelector('.project').textContent = title;
    card.querySelector('.status').textContent = status;
    card.querySelector('.attention').textContent = attention;
    card.querySelector('.since').textContent = s.status_since ? 'for ' + age(s.status_since) : '';
    card.querySelector('.meta').textContent = [
      shortModel(s.model), s.tokens ? tokens(s.tokens) + ' tok' : '', s.git_branch ? '⎇ ' + s.git_branch : '',
      (s.event_count || 0) + ' events',
    ].filter(Boolean).join(' · ');
    card.querySelector('.tool').textContent = s.status === 'waiting' && s.notification ? s.notification
      : s.current_tool ? s.current_tool + (s.tool_detail ? ' ' + s.tool_detail : '') : '';
    card.querySelector('.task').textContent = s.task_description || s.summary || '';
    card.querySelector('.id').textContent = s.session_id + ' · v' + s.version
      + (s.updated_at ? ' · updated ' + age(s.updated_at) + ' ago' : '');
    card.setAttribute('aria-label', `${title}: ${attention || status}`
      + (s.status_since ? ` for ${age(s.status_since)}` : '') + (s.task_description ? `. ${s.task_description}` : ''));
  }

  function shortModel(model) {
    return model ? model.replace(/^claude-/, '').replace(/-\d{8}$/, '') : '';
  }

  function tokens(t) {
    const total = (t.input || 0) + (t.output || 0) + (t.cache_read || 0) + (t.cache_creation || 0);
    return total >= 1e6 ? (total / 1e6).toFixed(1) + 'M' : total >= 1e3 ? (total / 1e3).toFixed(1) + 'k' : String(total);
  }

  function age(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (Number.isNaN(seconds)) return '';
    if (seconds < 60) return seconds + 's';
    if (seconds < 3600) return Math.floor(seconds / 60) + 'm';
    return Math.floor(seconds / 3600) + 'h ' + Math.floor((seconds % 3600) / 60) + 'm';
  }

  list.addEventListener('scroll', scheduleDraw, { passive: true });
  window.addEventListener('resize', scheduleDraw);
  // Ages move on their own: refresh the drawn cards once a second.
  setInterval(() => {
    for (const row of rows) if (row.kind === 'card' && elements.has(row.key)) dirty.add(row.id);
    scheduleDraw();
  }, 1000);

  // Count animation frames, so the tests can compare draws with the frame rate.
  (function tick() { stats.animationFrames++; requestAnimationFrame(tick); })();

  // --- filters, keys and notifications ----------------------------------------------------

  filterInput.addEventListener('input', () => {
    filter.text = filterInput.value.trim().toLowerCase();
    layoutDirty = true; scheduleDraw();
  });
  groupInput.addEventListener('change', () => { filter.group = groupInput.checked; layoutDirty = true; scheduleDraw(); });
  for (const button of document.querySelectorAll('#summary button')) {
    button.addEventListener('click', () => {
      const status = button.dataset.status;
      filter.status = filter.status === status ? null : status;
      for (const b of document.querySelectorAll('#summary button')) {
        b.setAttribute('aria-pressed', String(b.dataset.status === filter.status));
      }
      layoutDirty = true; scheduleDraw();
    });
  }

  /** Moves keyboard focus to the card {@code step} rows away, scrolling it into view. */
  function moveFocus(step) {
    const cards = rows.filter((r) => r.kind === 'card');
    if (!cards.length) return;
    let index = cards.findIndex((r) => r.id === focusedId);
    index = index < 0 ? 0 : Math.min(cards.length - 1, Math.max(0, index + step));
    const row = cards[index];
    if (row.top < list.scrollTop) list.scrollTop = row.top - HEAD;
    else if (row.top + ROW > list.scrollTop + list.clientHeight) list.scrollTop = row.top + ROW - list.clientHeight;
    focusedId = row.id;
    draw();  // the row must exist before it can take focus
    elements.get(row.key)?.focus({ preventScroll: true });
  }

  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && document.activeElement !== filterInput) {
      event.preventDefault(); filterInput.focus(); filterInput.select();
    } else if (event.key === 'Escape' && document.activeElement === filterInput) {
      filterInput.value = ''; filterInput.dispatchEvent(new Event('input')); list.focus();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && document.activeElement !== filterInput) {
      event.preventDefault(); moveFocus(event.key === 'ArrowDown' ? 1 : -1);
    }
  });

  let notifying = false;
  if (!('Notification' in window)) notifyButton.hidden = true;
  notifyButton.addEventListener('click', async () => {
    if (!notifying && Notification.permission !== 'granted') {
      if (await Notification.requestPermission() !== 'granted') return;
    }
    notifying = !notifying;
    notifyButton.setAttribute('aria-pressed', String(notifying));
  });

  function notify(s) {
    if (!notifying || !document.hidden) return;
    stats.notifications++;
    const what = s.attention === 'permission' ? 'needs your permission' : 'is waiting for you';
    new Notification(`${s.project || s.session_id} ${what}`, { body: s.notification || s.task_description || '', tag: s.session_id });
  }

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

  // Same origin: with --token, the cookie the server set when the page was opened with ?token=
  // goes along with the handshake, so the token never sits in this page's address. The client
  // asks for patches (?delta=1), resumes after a reconnect (?since=V&epoch=E), pings every 15 s
  // and reconnects when nothing answers within 10 s (a server frozen, a laptop asleep, a NAT that
  // dropped the mapping), and acknowledges (?ack=1) from the animation frame that draws what it
  // applied: the server sends the next frame only then, with everything that changed meanwhile,
  // so a page whose main thread is busy, or a hidden tab, is sent nothing it cannot show.
  // /?project=NAME watches one project: the server sends only its sessions (and refuses, 1008,
  // a project the page's token does not open); without it, every project the token opens.
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const endpoint = new URL(scheme + '//' + location.host + '/ws/dashboard');
  const project = new URLSearchParams(location.search).get('project');
  if (project) {
    endpoint.searchParams.set('project', project);
    document.title = project + ' \u2014 ' + document.title;
  }
  const client = new BroadcastClient(endpoint, { delta: true, ack: 'manual' });
  window.__dashboardClient = client;

  function acknowledge() {
    if (client.acknowledge()) stats.acked = client.stats.frames;
  }

  client.addEventListener('change', (event) => {
    const { changed, reset, resumed } = event.detail;
    stats.messages = client.stats.messages;
    if (reset || resumed) stats.initialStates++;
    if (reset) { sessions.clear(); layoutDirty = true; }
    for (const [id, s] of changed) applySession(id, s);
    scheduleDraw();
  });

  client.addEventListener('status', (event) => {
    const { status } = event.detail;
    stats.reconnects = client.stats.reconnects;
    stats.deadLinks = client.stats.deadLinks;
    setConnection(status === 'connected' ? 'connected'
      : status === 'connecting' ? 'connecting'
      : status === 'dead' ? 'no answer' : status === 'offline' ? 'offline'
      : status === 'refused' ? 'refused' : 'disconnected');
  });

  function setConnection(state) {
    connection.className = 'connection ' + state.replace(' ', '-');
    connection.textContent = state;
    stats.connected = state === 'connected';
  }

  client.connect();
}
