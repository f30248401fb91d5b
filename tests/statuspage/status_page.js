// Drives the status page in Debian's headless Chromium (playwright-core):
// every configured pipeline is drawn with its components, and the
// receiver's rate goes from 0 to more than 0 while data is sent.
//   node status_page.js <page url> <otlp http port> <pipelines,comma,separated> <screenshot.png>
"use strict";
const { chromium } = require("playwright-core");

const [url, otlpPort, pipelineList, shot] = process.argv.slice(2);
const pipelines = pipelineList.split(",");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function fail(msg) {
  console.error("FAIL: " + msg);
  process.exitCode = 1;
}

async function sendSpans(stop) {
  let n = 0;
  while (!stop.done) {
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 20 }, (_, k) => ({
      traceId: (n * 20 + k).toString(16).padStart(32, "0"), spanId: (n * 20 + k + 1).toString(16).padStart(16, "0"), name: "s" })) }] }] });
    try {
      await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    } catch (e) { /* the daemon may refuse under load: keep going */ }
    n++;
    await new Promise(r => setTimeout(r, 20));
  }
}

// Polls fn (a page evaluation) until it is truthy; bounded, not timed.
async function until(page, fn, arg, tries = 100) {
  for (let i = 0; i < tries; i++) {
    if (await page.evaluate(fn, arg)) return true;
    await page.waitForTimeout(200);
  }
  return false;
}

(async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    await page.goto(url);
    const drawn = await until(page, want => want.every(p => document.querySelector(`.pipeline[data-pipeline="${p}"]`)), pipelines);
    if (!drawn) fail("not every pipeline is drawn: want " + pipelines.join(", "));
    const comps = await page.evaluate(() => Array.from(document.querySelectorAll(".comp")).map(c => c.dataset.component));
    for (const want of ["receiver:otlp", "processor:batch", "exporter:file/traces", "exporter:file/logs"])
      if (!comps.includes(want)) fail(`component ${want} not drawn (drawn: ${comps.join(", ")})`);

    const rateOf = () => {
      const box = document.querySelector('.pipeline[data-pipeline="traces"] .comp[data-component="receiver:otlp"] .rate');
      return box ? parseFloat(box.textContent) : NaN;
    };
    const idle = await page.evaluate(rateOf);
    if (!(idle === 0)) fail("receiver rate before any data is " + idle + ", want 0");

    const stop = { done: false };
    const sender = sendSpans(stop);
    const rising = await until(page, () => {
      const box = document.querySelector('.pipeline[data-pipeline="traces"] .comp[data-component="receiver:otlp"] .rate');
      return box && parseFloat(box.textContent) > 0;
    });
    if (!rising) fail("the receiver's rate did not rise while spans were sent");
    const exported = await until(page, () => {
      const box = document.querySelector('.pipeline[data-pipeline="traces"] .comp[data-component="exporter:file/traces"] .rate');
      return box && parseFloat(box.textContent) > 0;
    });
    if (!exported) fail("the exporter's rate did not rise while spans were sent");
    await page.screenshot({ path: shot, fullPage: true });
    stop.done = true;
    await sender;
    if (errors.length) fail("page errors: " + errors.join("; "));
    console.log(`status page: ${pipelines.length} pipelines drawn, rates moved; screenshot ${shot}`);
  } finally {
    await browser.close();
  }
})().catch(e => { fail(e.stack || String(e)); });
