// Drives the dashboard page in headless Chromium for FrozenServerIT, which owns the server and a
// freezing proxy between the page and it. The page, on its defaults, must notice within 60 s that
// nothing answers any more, say so, and after the thaw reconnect by itself, resume (only what
// changed meanwhile), and show those changes. The two talk over stdin/stdout: this script prints
// FREEZE and waits for FROZEN, prints THAW and waits for THAWED, and ends with OK or FAIL.
//
// usage: node frozen-test.mjs <page-url (through the proxy)> <server-url (direct, for hooks)>
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const [pageUrl, serverUrl] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function expectLine(word) {
  const { value } = await lines.next();
  if (value !== word) throw new Error(`expected ${word} from the test, got ${value}`);
}

async function post(id, event, extra = {}) {
  const response = await fetch(serverUrl + '/api/hooks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ session_id: id, hook_event_name: event, cwd: `/home/me/${id}`, ...extra }),
  });
  if (response.status !== 202) throw new Error(`hook refused: ${response.status}`);
}

const card = (page, id) => page.locator(`article.card[data-session-id="${id}"]`);

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    const frames = []; // Every frame the page received, as the DevTools protocol saw it.
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Network.enable');
    devtools.on('Network.webSocketFrameReceived', ({ response }) => frames.push(response.payloadData));
    for (let i = 1; i <= 3; i++) await post(`frozen-${i}`, 'UserPromptSubmit', { prompt: `task ${i}` });
    await page.goto(pageUrl);
    await card(page, 'frozen-3').locator('.status', { hasText: 'working' }).waitFor();
    await page.locator('#connection.connected').waitFor();

    console.log('FREEZE');
    await expectLine('FROZEN');
    const frozenAt = Date.now();
    // Meanwhile: one session changes, one ends, one is new. The page cannot know yet.
    await post('frozen-1', 'Notification', { message: 'Needs your approval' });
    await post('frozen-2', 'SessionEnd');
    await post('frozen-4', 'UserPromptSubmit', { prompt: 'new while frozen' });
    await page.locator('#connection.no-answer').waitFor({ timeout: 60000 });
    const noticedMs = Date.now() - frozenAt;
    if (noticedMs > 60000) throw new Error(`noticed after ${noticedMs} ms`);

    console.log('THAW');
    await expectLine('THAWED');
    const thawedAt = Date.now();
    const before = frames.length;
    await card(page, 'frozen-4').waitFor({ timeout: 60000 });
    await card(page, 'frozen-1').locator('.status', { hasText: 'waiting' }).waitFor();
    await card(page, 'frozen-2').locator('.status', { hasText: 'ended' }).waitFor();
    await page.locator('#connection.connected').waitFor();
    const recoveredMs = Date.now() - thawedAt;
    const resumed = frames.slice(before).map((f) => JSON.parse(f)).find((m) => m.type === 'initial_state');
    if (!resumed || resumed.since === undefined) {
      throw new Error(`the reconnect did not resume: ${JSON.stringify(resumed).slice(0, 300)}`);
    }
    const ids = resumed.sessions.map((s) => s.session_id).sort();
    if (ids.includes('frozen-3')) throw new Error(`the resume carried an unchanged session: ${ids}`);
    const stats = await page.evaluate(() => ({ ...window.__dashboardClient.stats }));
    if (stats.deadLinks < 1 || stats.resumes < 1) throw new Error(`stats: ${JSON.stringify(stats)}`);
    console.log('OK ' + JSON.stringify({ noticedMs, recoveredMs, resumedSessions: ids, stats }));
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.log('FAIL ' + String(e.stack || e).split('\n').slice(0, 3).join(' | '));
  process.exit(1);
});
