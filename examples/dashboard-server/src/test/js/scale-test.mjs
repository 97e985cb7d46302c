// Drives the dashboard page in headless Chromium under load for BrowserScaleIT, which owns the
// server (1,000 simulated sessions, about 500 updates a second, one WebSocket frame per update).
// Measures for SECONDS: frame times (requestAnimationFrame deltas), draws against frames, long
// tasks, the JS heap after a forced GC every 10 s, and how long a filter keystroke takes to show.
// Prints one line: OK {json} or FAIL reason.
//
// usage: node scale-test.mjs <base-url> <seconds> <sessions>
import { chromium } from 'playwright-core';

const [base, secondsArg, sessionsArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const sessions = Number(sessionsArg);

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc', '--enable-precise-memory-info',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base);
    await page.waitForFunction((n) => window.__dashboard.connected && window.__dashboardSessionCount() >= n,
      sessions, { timeout: 60000 });
    await page.waitForTimeout(5000); // warm-up

    await page.evaluate(() => {
      const probe = window.__probe = { deltas: [], longTasks: 0, running: true };
      let last = performance.now();
      (function frame(now) {
        probe.deltas.push(now - last); last = now;
        if (probe.running) requestAnimationFrame(frame);
      })(last);
      new PerformanceObserver((list) => { probe.longTasks += list.getEntries().length; })
        .observe({ type: 'longtask', buffered: false });
    });
    const sample = () => page.evaluate(() => {
      window.gc();
      const s = window.__dashboard;
      return { at: performance.now(), heap: performance.memory.usedJSHeapSize, draws: s.draws,
        frames: s.animationFrames, updates: s.updates, messages: s.messages, layouts: s.layouts,
        sessions: window.__dashboardSessionCount(), domNodes: document.getElementsByTagName('*').length };
    });
    const samples = [await sample()];
    const filterTimes = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await page.waitForTimeout(Math.min(10000, end - Date.now()));
      // A keystroke in the filter, then cleared: how long until the list shows it.
      filterTimes.push(await page.evaluate(async () => {
        const input = document.getElementById('filter');
        const started = performance.now();
        input.value = 'billing'; input.dispatchEvent(new Event('input'));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const took = performance.now() - started;
        input.value = ''; input.dispatchEvent(new Event('input'));
        return took;
      }));
      samples.push(await sample());
    }
    const probe = await page.evaluate(() => { window.__probe.running = false; return window.__probe; });
    const first = samples[0];
    const lastSample = samples[samples.length - 1];
    const span = (lastSample.at - first.at) / 1000;
    const deltas = probe.deltas.slice(1).sort((a, b) => a - b);
    const result = {
      seconds: Math.round(span),
      sessions: lastSample.sessions,
      updatesPerSecond: Math.round((lastSample.updates - first.updates) / span),
      messagesPerSecond: Math.round((lastSample.messages - first.messages) / span),
      drawsPerSecond: +((lastSample.draws - first.draws) / span).toFixed(1),
      framesPerSecond: +((lastSample.frames - first.frames) / span).toFixed(1),
      layoutsPerSecond: +((lastSample.layouts - first.layouts) / span).toFixed(1),
      frameMs: { p50: +percentile(deltas, 0.5).toFixed(1), p95: +percentile(deltas, 0.95).toFixed(1),
        p99: +percentile(deltas, 0.99).toFixed(1), max: +deltas[deltas.length - 1].toFixed(1) },
      longTasks: probe.longTasks,
      filterMs: filterTimes.map((t) => +t.toFixed(1)),
      heapMiB: samples.map((s) => +(s.heap / 1048576).toFixed(2)),
      domNodes: samples.map((s) => s.domNodes),
      errors,
    };
    console.log('OK ' + JSON.stringify(result));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.log('FAIL ' + (e.stack || e)); process.exit(1); });
