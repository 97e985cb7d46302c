// Opens the dashboard of a simulated working day (BrowserScaleIT owns the server) and saves a
// screenshot for the site's overview page. Prints OK {json} or FAIL reason.
//
// usage: node simulated-shot.mjs <base-url> <out.png> <settle-seconds>
import { chromium } from 'playwright-core';

const [base, out, settle] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 960 }, colorScheme: 'dark' });
  await page.goto(base);
  await page.waitForFunction(() => window.__dashboard.connected && window.__dashboardSessionCount() > 0);
  await page.waitForTimeout(Number(settle) * 1000);
  // Counts and title in one synchronous read: the simulation keeps changing them, and the page
  // updates both in the same draw, so separate reads could straddle a draw.
  const { counts, title } = await page.evaluate(() => ({
    counts: Object.fromEntries([...document.querySelectorAll('#summary button')]
      .map((b) => [b.dataset.status, Number(b.querySelector('.count').textContent)])),
    title: document.title,
  }));
  await page.screenshot({ path: out });
  console.log('OK ' + JSON.stringify({ counts, title }));
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
