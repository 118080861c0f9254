// Loads a report in headless Chromium; exits 1 on any console error, page error or failed request.
// Usage: node check-report.cjs REPORT.html [SCREENSHOT.png]
const { chromium } = require('playwright-core');

(async () => {
  const [html, png] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const resp = await page.goto('file://' + html, { waitUntil: 'load' });
  if (!resp || !resp.ok()) problems.push(`load failed: ${resp ? resp.status() : 'no response'}`);
  const svg = await page.locator('svg').count();
  const rows = await page.locator('table.board tbody tr').count();
  if (svg < 1) problems.push('no SVG chart in the page');
  if (rows < 1) problems.push('empty leaderboard');
  // The slice table: one row per (system, slice), each with P, R, F1 in [0, 1] inside their 95% intervals.
  const slices = await page.locator('table.slices tbody tr').evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim())));
  if (slices.length < 1) problems.push('no slice table');
  for (const cells of slices) {
    const [, slice, , , p, pci, r, rci, f1, fci] = cells;
    if (!/^(category|doc|check-worthy): \S/.test(slice || '')) problems.push(`slice row without a slice name: ${cells}`);
    for (const [x, ci] of [[p, pci], [r, rci], [f1, fci]]) {
      const m = /^\[(\d\.\d{3}), (\d\.\d{3})\]$/.exec(ci || '');
      if (!m || !(Number(m[1]) <= Number(m[2])) || Number(x) > 1 || Number(x) < 0) {
        problems.push(`slice ${slice}: ${x} with interval ${ci}`);
      }
    }
  }
  // The "why" parts: every miss of a document with predictions, and every false alarm, names its nearest
  // counterpart with a score and a reason; the first is visible without opening anything.
  const near = await page.locator('.near').count();
  const misses = await page.locator('td.miss').count();
  if (misses > 0 && near < 1) problems.push(`${misses} missed claims but no nearest prediction shown`);
  if (near > 0) {
    const first = page.locator('td.miss .near').first();
    if (!(await first.isVisible())) problems.push('the first nearest prediction is not visible');
    const why = await page.locator('.near .why').count();
    const sims = await page.locator('.near .sim').count();
    if (why !== near || sims !== near) problems.push(`${near} nearest items, ${why} reasons, ${sims} scores`);
  }
  const groups = await page.locator('ul.groups li').count();
  // With --baseline: the changes section lists lost claims before gained ones.
  const changes = await page.locator('#changes').count();
  let diffRows = 0;
  if (changes) {
    diffRows = await page.locator('table.diff tbody tr').count();
    const kinds = await page.locator('table.diff tbody tr').evaluateAll((trs) => trs.map((tr) => tr.className));
    const firstGained = kinds.indexOf('gained');
    const lastLost = kinds.lastIndexOf('lost');
    if (diffRows < 1) problems.push('a baseline was given but no claim changed');
    if (firstGained >= 0 && lastLost > firstGained) problems.push('a lost claim is listed after a gained one');
  }
  if (png) await page.screenshot({ path: png, fullPage: false });
  await browser.close();
  if (problems.length) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
  console.log(`report ok: ${html} (${rows} systems, ${slices.length} slice rows, ${svg} chart${svg === 1 ? '' : 's'}, `
    + `${near} nearest items, ${groups} merges and splits${changes ? `, ${diffRows} changes since the baseline` : ''})`);
})().catch((e) => { console.error(`error: ${e.message}`); process.exit(1); });
