// Drives the dashboard page in headless Chromium for BrowserIT, which owns the server. The two
// talk over stdin/stdout: this script prints STOP and waits for STOPPED, prints START and waits
// for STARTED, and ends with a line starting with OK or FAIL.
//
// The server requires a token: the page is opened once as /?token=..., must land on the bare
// address with the token in an HttpOnly cookie that scripts cannot read, and its WebSocket must
// authenticate with that cookie alone. Hooks carry the token as a Bearer header.
//
// With a fourth argument "deflate", the server offers permessage-deflate: the page's WebSocket must
// have negotiated it (seen in the handshake answer, through the DevTools protocol), and everything
// above must still hold on compressed frames; the server does not pace, and the page must receive
// every update of the burst. With "paced", the server paces the page by its acks: during the burst
// it receives at most one frame per draw, and every session's latest state.
//
// usage: node browser-test.mjs <base-url> <screenshot.png> <token> [deflate|paced]
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const [base, screenshot, token, mode] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function expectLine(word) {
  const { value } = await lines.next();
  if (value !== word) throw new Error(`expected ${word} from the test, got ${value}`);
}

async function post(hook) {
  const response = await fetch(base + '/api/hooks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(hook),
  });
  if (response.status !== 202) throw new Error(`hook refused: ${response.status} ${await response.text()}`);
}

const hook = (id, event, extra = {}) => ({
  session_id: id, hook_event_name: event, cwd: `/home/me/${id}-project`,
  transcript_path: `/tmp/${id}.jsonl`, ...extra,
});

const stats = (page) => page.evaluate(() => ({ ...window.__dashboard }));
const card = (page, id) => page.locator(`article.card[data-session-id="${id}"]`);

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const negotiated = [];
    const sockets = [];
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Network.enable');
    devtools.on('Network.webSocketCreated', ({ url }) => sockets.push(url));
    devtools.on('Network.webSocketHandshakeResponseReceived', ({ response }) => {
      const name = Object.keys(response.headers).find((h) => h.toLowerCase() === 'sec-websocket-extensions');
      negotiated.push(name ? response.headers[name] : '');
    });
    await page.goto(`${base}/?token=${encodeURIComponent(token)}`);
    await page.waitForFunction(() => window.__dashboard.connected && window.__dashboard.initialStates >= 1);
    if (mode === 'deflate' && !(negotiated[0] || '').startsWith('permessage-deflate; server_no_context_takeover')) {
      throw new Error(`permessage-deflate not negotiated: ${JSON.stringify(negotiated)}`);
    }
    if (page.url() !== `${base}/`) throw new Error(`the token stayed in the address: ${page.url()}`);
    if ((await page.evaluate(() => document.cookie)).includes(token)) {
      throw new Error('the token cookie is readable by scripts');
    }

    // Posted hooks change the cards.
    await post(hook('browser-1', 'UserPromptSubmit', { prompt: 'Make the page keep up' }));
    await card(page, 'browser-1').locator('.status', { hasText: 'working' }).waitFor();
    await card(page, 'browser-1').locator('.task', { hasText: 'Make the page keep up' }).waitFor();
    await post(hook('browser-1', 'PreToolUse', { tool_name: 'Bash', tool_input: { command: 'mvn verify' } }));
    await card(page, 'browser-1').locator('.tool', { hasText: 'Bash mvn verify' }).waitFor();

    // The page is paced by its own acks and takes patches: it asked for both in the handshake,
    // and every data frame it applied was acknowledged once drawn (the server would have sent
    // the second update above only after the ack of the first, or with it).
    const asked = (url) => new URL(url).searchParams;
    if (!sockets.some((url) => asked(url).get('ack') === '1' && asked(url).get('delta') === '1')) {
      throw new Error(`the page did not ask for acks and patches: ${JSON.stringify(sockets)}`);
    }
    await page.waitForFunction(() => window.__dashboardClient.stats.patches >= 1);
    await page.waitForFunction(() => window.__dashboard.acked >= 3); // initial_state, 2 updates

    // The server goes away and comes back (with no sessions): the page reconnects and shows
    // the new server's state, not the old one's.
    console.log('STOP');
    await expectLine('STOPPED');
    await page.waitForFunction(() => !window.__dashboard.connected);
    await page.locator('#connection.disconnected').waitFor();
    console.log('START');
    await expectLine('STARTED');
    await page.waitForFunction(() => window.__dashboard.connected && window.__dashboard.initialStates >= 2,
      null, { timeout: 60000 });
    await card(page, 'browser-1').waitFor({ state: 'detached' });
    await post(hook('browser-2', 'Notification', { message: 'Needs your approval' }));
    await card(page, 'browser-2').locator('.status', { hasText: 'waiting' }).waitFor();

    // Who needs the user comes first, marked, counted in the title; the rest follow.
    await post(hook('browser-3', 'UserPromptSubmit', { prompt: 'Keep working' }));
    await post(hook('browser-4', 'Notification', { message: 'Claude needs your permission to use Bash' }));
    await page.waitForFunction(() => window.__dashboardRows().join('|')
      === '# Needs you (2)|browser-4|browser-2|# Everything else (1)|browser-3');
    await card(page, 'browser-4').locator('.attention', { hasText: 'needs permission' }).waitFor();
    await card(page, 'browser-2').locator('.attention', { hasText: 'your turn' }).waitFor();
    if (await page.title() !== '(2) Claude Code sessions') throw new Error(`title: ${await page.title()}`);
    const label = await card(page, 'browser-4').getAttribute('aria-label');
    if (!label.startsWith('browser-4-project: needs permission')) throw new Error(`aria-label: ${label}`);

    // From the keyboard: / filters, Escape clears, arrows move between cards.
    await page.keyboard.press('/');
    await page.keyboard.type('browser-3');
    await page.waitForFunction(() => window.__dashboardRows().join('|') === 'browser-3');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__dashboardRows().length === 5);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement.dataset.sessionId);
    if (focused !== 'browser-2') throw new Error(`arrows focused ${focused}`);

    // The summary filters by status; grouping puts the rest under their projects.
    await page.click('#summary button[data-status="working"]');
    await page.waitForFunction(() => window.__dashboardRows().join('|') === 'browser-3');
    if (await page.getAttribute('#summary button[data-status="working"]', 'aria-pressed') !== 'true') {
      throw new Error('the status filter is not announced as pressed');
    }
    await page.click('#summary button[data-status="working"]');
    await page.check('#group');
    await page.waitForFunction(() => window.__dashboardRows().join('|')
      === '# Needs you (2)|browser-4|browser-2|# browser-3-project (1)|browser-3');
    await page.uncheck('#group');

    // One project (issue 26): /?project=NAME shows its sessions only, and still groups them.
    const other = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    await other.addCookies(await page.context().cookies()); // The token's cookie.
    const one = await other.newPage();
    await one.goto(`${base}/?project=browser-3-project`);
    await one.waitForFunction(() => window.__dashboard.connected && window.__dashboard.initialStates >= 1);
    await one.waitForFunction(() => window.__dashboardSessionCount() === 1 && window.__dashboardSession('browser-3'));
    await post(hook('browser-5', 'UserPromptSubmit', { prompt: 'Another project' }));
    await card(page, 'browser-5').waitFor();
    await post(hook('browser-3', 'PreToolUse', { tool_name: 'Read', tool_input: { file_path: '/x' } }));
    await card(one, 'browser-3').locator('.tool', { hasText: 'Read' }).waitFor();
    if (await one.evaluate(() => window.__dashboardSessionCount()) !== 1) {
      throw new Error('the project page received another project\'s session');
    }
    await one.check('#group');
    await one.waitForFunction(() => window.__dashboardRows().join('|') === '# browser-3-project (1)|browser-3');
    await other.close();

    // A burst of 200 updates a second for 2 seconds: the page draws at most once a frame.
    const before = await stats(page);
    const started = Date.now();
    const posts = [];
    for (let i = 0; i < 400; i++) {
      const due = started + i * 5;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      posts.push(post(hook(`burst-${i % 20}`, i % 2 ? 'PostToolUse' : 'PreToolUse', { tool_name: 'Read' })));
    }
    await Promise.all(posts);
    // The list is virtual: only visible cards exist in the DOM, so ask the page's view. Every
    // session's last update, not just the last posted: posts complete out of order, and an
    // update reaches the socket after its post's response.
    await page.waitForFunction(() => window.__dashboardSessionCount() === 24
      && Array.from({ length: 20 }, (_, s) => window.__dashboardSession(`burst-${s}`))
        .every((session) => session?.event_count === 20));
    await page.locator('#stat-sessions', { hasText: '24' }).waitFor();
    const drawnCards = await page.locator('article.card').count();
    if (drawnCards >= 21) throw new Error(`all ${drawnCards} cards are in the DOM: not virtual`);
    const after = await stats(page);
    const burst = {
      messages: after.messages - before.messages,
      updates: after.updates - before.updates,
      draws: after.draws - before.draws,
      animationFrames: after.animationFrames - before.animationFrames,
      cardsDrawn: after.cardsDrawn - before.cardsDrawn,
    };
    if (burst.draws > burst.animationFrames + 1) {
      throw new Error(`drew more often than the frame rate: ${JSON.stringify(burst)}`);
    }
    if (mode === 'paced') {
      // A frame only after the ack of the one before, sent from the draw: one frame per draw, plus
      // the one that arrived before the burst's first draw and a pong to the page's heartbeat.
      if (burst.messages > burst.draws + 2) {
        throw new Error(`more frames than draws: not paced by acks: ${JSON.stringify(burst)}`);
      }
    } else if (burst.updates < 400) {
      throw new Error(`missed updates: ${JSON.stringify(burst)}`);
    }

    await page.screenshot({ path: screenshot, fullPage: false });
    console.log('OK ' + JSON.stringify({ burst, reconnects: after.reconnects }));
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (error) => {
  console.log('FAIL ' + (error && error.stack ? error.stack.split('\n').slice(0, 3).join(' | ') : error));
  process.exit(1);
});
