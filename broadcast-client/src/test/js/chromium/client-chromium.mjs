// Drives /broadcast/client.js in headless Chromium for ClientModuleBrowserIT (broadcast-tyrus),
// which owns an embedded server, its broadcaster and a freezing proxy in front of it. The page is
// index.html beside this script, served through the proxy. The two talk over stdin/stdout: this
// script prints a command and waits for DONE:
//   SET id n bytes    publish session id at the next version, n as its counter, bytes of filler
//   REMOVE id         publish its tombstone
//   FREEZE / THAW     the proxy stops forwarding / forwards again
//   VIEW              the server answers with a JSON line: session id -> version held
// and ends with a line starting with OK or FAIL.
//
// usage: node client-chromium.mjs <page-url>
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const [pageUrl] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function command(line) {
  console.log(line);
  const { value } = await lines.next();
  if (value === undefined) throw new Error(`no answer to ${line}`);
  return value;
}

const check = (condition, what) => { if (!condition) throw new Error(what); };

async function converged(page, timeout = 30000) {
  const expected = JSON.parse(await command('VIEW'));
  await page.waitForFunction((want) => {
    const have = window.view();
    const ids = Object.keys(want);
    return Object.keys(have).length === ids.length && ids.every((id) => have[id] && have[id].version === want[id]);
  }, expected, { timeout });
  return expected;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const report = {};
  try {
    const page = await browser.newPage();
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Network.enable');
    const frames = [];
    devtools.on('Network.webSocketFrameReceived', ({ response }) => frames.push(response.payloadData));
    const network = (conditions) => devtools.send('Network.emulateNetworkConditions', {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1, ...conditions,
    });

    await command('SET a 1 100');
    await command('SET b 1 100');
    // Sessions that do not change: a resume is worth it only when it is smaller than the view.
    for (let i = 0; i < 8; i++) await command(`SET quiet${i} 1 100`);
    await page.goto(pageUrl + '?ping=1000&pong=1500&connect=2000&cap=2000');
    await converged(page);
    await command('SET a 2 100');
    await converged(page);
    check(await page.evaluate(() => window.client.stats.patches) >= 1, 'no patch was applied');

    // A frozen server: noticed after a ping goes unanswered, then a resume after the thaw.
    await command('FREEZE');
    const frozenAt = Date.now();
    await command('SET b 2 100');
    await command('REMOVE a');
    await command('SET c 1 100');
    await page.waitForFunction(() => window.statuses.includes('dead'), null, { timeout: 15000 });
    report.deadNoticedMs = Date.now() - frozenAt;
    const before = frames.length;
    await command('THAW');
    await converged(page);
    const resumed = frames.slice(before).map((f) => JSON.parse(f)).find((m) => m.type === 'initial_state');
    check(resumed && resumed.since > 0, `no resume after the thaw: ${JSON.stringify(resumed)}`);
    check(!resumed.sessions.some((s) => s.session_id === 'nothing'), 'unexpected session');
    report.resumedSessions = resumed.sessions.map((s) => s.session_id + (s.removed ? ' (removed)' : ''));

    // Offline: the browser says so, the client stops and says so; back online, it reconnects and
    // catches up with what changed meanwhile.
    await network({ offline: true });
    await page.waitForFunction(() => window.statuses.at(-1) === 'offline', null, { timeout: 10000 });
    await command('SET d 1 100');
    await network({ offline: false });
    await converged(page);
    check(await page.evaluate(() => window.statuses.at(-1)) === 'connected', 'not connected again');

    // Throttled: 300 ms latency and 20 KB/s down; a burst must still end in the server's view,
    // every patch applied from the version held.
    await network({ latency: 300, downloadThroughput: 20 * 1024, uploadThroughput: 20 * 1024 });
    const started = Date.now();
    for (let n = 2; n <= 40; n++) await command(`SET ${'bcd'[n % 3]} ${n} 600`);
    await converged(page, 60000);
    report.throttledBurstMs = Date.now() - started;
    await network({});
    const stats = await page.evaluate(() => ({ ...window.client.stats }));
    check(stats.patchMisses === 0, `patch misses: ${JSON.stringify(stats)}`);
    check(stats.deadLinks >= 1 && stats.resumes >= 1, `stats: ${JSON.stringify(stats)}`);
    report.stats = stats;
    console.log('OK ' + JSON.stringify(report));
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.log('FAIL ' + String(e.stack || e).split('\n').slice(0, 3).join(' | '));
  process.exit(1);
});
