// Opens a page of the built site in headless Chromium, waits for every image, and prints one
// JSON line: each image's source and rendered size, and the screenshot's path. SiteBrowserIT
// reads the line and asserts on it.
// Usage: node screenshot.mjs PAGE.html OUT.png
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const [page, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  tab.on('requestfailed', (r) => errors.push('failed: ' + r.url()));
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
  const images = await tab.$$eval('img', (imgs) => imgs.map((img) => ({
    src: img.getAttribute('src'),
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    width: img.getBoundingClientRect().width,
    height: img.getBoundingClientRect().height,
  })));
  await tab.screenshot({ path: out, fullPage: true });
  console.log(JSON.stringify({ images, errors, screenshot: out }));
} finally {
  await browser.close();
}
