// browser.mjs: open every dashboard of superset/bundle/ in headless Chromium (Debian's chromium,
// driven by playwright-core) in a running Superset, logged in through its login form, and fail when a
// dashboard does not render: a chart whose data request fails or answers an error, a chart that shows
// an error panel, or a chart title missing from the page. A full-page screenshot of each dashboard is
// kept as a test artefact. Run by scripts/test-superset.sh; by hand:
//
//   SUPERSET_URL=http://127.0.0.1:8088 SUPERSET_USER=admin SUPERSET_PASSWORD=admin \
//     node tests/superset/browser.mjs
//
// Environment: SUPERSET_URL, SUPERSET_USER, SUPERSET_PASSWORD (required); CHROMIUM (default
// /usr/bin/chromium); SCREENSHOT_DIR (default ${DTE_CACHE:-~/.cache/dte-trust}/screenshots/superset);
// BROWSER_TIMEOUT_MS (per dashboard, default 120000).
import { chromium } from 'playwright-core';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined || v === '') {
    throw new Error(`browser.mjs: set ${name}`);
  }
  return v;
};
const base = env('SUPERSET_URL').replace(/\/$/, '');
const user = env('SUPERSET_USER');
const password = env('SUPERSET_PASSWORD');
const executablePath = env('CHROMIUM', '/usr/bin/chromium');
const cache = process.env.DTE_CACHE || join(homedir(), '.cache', 'dte-trust');
const outDir = env('SCREENSHOT_DIR', join(cache, 'screenshots', 'superset'));
const timeout = Number(env('BROWSER_TIMEOUT_MS', '120000'));

// The dashboards of the bundle: slug and chart titles, read from the YAML bundle.py writes (one
// `slug:` line and one `sliceName:` line per chart).
function dashboards() {
  const dir = join(repo, 'superset', 'bundle', 'dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const slug = text.match(/^slug: (.+)$/m)?.[1];
      const charts = [...text.matchAll(/^\s+sliceName: (.+)$/gm)].map((m) => unquote(m[1]));
      if (!slug || charts.length === 0) {
        throw new Error(`browser.mjs: ${f} has no slug or no charts`);
      }
      return { file: f, slug, charts };
    });
}

function unquote(s) {
  s = s.trim();
  if (s.startsWith("'") && s.endsWith("'")) {
    return s.slice(1, -1).replaceAll("''", "'");
  }
  if (s.startsWith('"') && s.endsWith('"')) {
    return JSON.parse(s);
  }
  return s;
}

// login signs in through the form and makes sure the session took: a form submitted before the page
// finished loading is lost on a busy machine, so it is tried again (three times at most).
async function login(page) {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await page.goto(`${base}/login/`, { waitUntil: 'networkidle' });
    await page.locator('input[name="username"], #username').first().fill(user);
    await page.locator('input[name="password"], #password').first().fill(password);
    await page.locator('button[type="submit"], input[type="submit"]').first().click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 30000 }).catch(() => {});
    const me = await page.request.get(`${base}/api/v1/me/`);
    if (me.ok()) {
      return;
    }
    console.log(`[browser] login attempt ${attempt}: /api/v1/me/ answered ${me.status()}`);
  }
  throw new Error(`could not log in to ${base} as ${user}`);
}

// check opens one dashboard and answers the problems found (empty when it rendered).
async function check(page, d) {
  const problems = [];
  const answers = [];
  const onResponse = async (res) => {
    if (!res.url().includes('/api/v1/chart/data') || res.request().method() !== 'POST') {
      return;
    }
    const entry = { status: res.status(), errors: [], rows: 0 };
    answers.push(entry);
    try {
      const body = await res.json();
      for (const r of body.result ?? []) {
        entry.rows += r.rowcount ?? 0;
        if (r.error) {
          entry.errors.push(String(r.error));
        }
      }
      if (body.message || body.errors) {
        entry.errors.push(JSON.stringify(body.message ?? body.errors));
      }
    } catch (e) {
      entry.errors.push(`unreadable answer: ${e.message}`);
    }
  };
  page.on('response', onResponse);
  const t0 = Date.now();
  await page.goto(`${base}/superset/dashboard/${d.slug}/`, { waitUntil: 'domcontentloaded' });
  if (new URL(page.url()).pathname.startsWith('/login')) {
    problems.push('sent to the login page: the session was lost');
  }
  // Every chart asks for its data once; then the spinners go.
  while (answers.length < d.charts.length && Date.now() - t0 < timeout) {
    await page.waitForTimeout(500);
  }
  await page
    .waitForFunction(() => document.querySelectorAll('[data-test="loading-indicator"], .loading').length === 0, null, {
      timeout: Math.max(5000, timeout - (Date.now() - t0)),
    })
    .catch(() => problems.push('charts still loading at the timeout'));
  await page.waitForTimeout(1000);
  page.off('response', onResponse);

  if (answers.length < d.charts.length) {
    problems.push(`${answers.length} chart data requests for ${d.charts.length} charts`);
  }
  answers.forEach((a, i) => {
    if (a.status !== 200 || a.errors.length > 0) {
      problems.push(`chart data request ${i + 1}: HTTP ${a.status} ${a.errors.join('; ')}`);
    }
  });
  const text = await page.locator('body').innerText();
  for (const title of d.charts) {
    if (!text.includes(title)) {
      problems.push(`chart "${title}" is not on the page`);
    }
  }
  const errorPanels = await page
    .locator('[data-test="chart-error"], .ant-alert-error, [role="alert"]:has-text("error")')
    .allInnerTexts();
  for (const e of errorPanels) {
    problems.push(`error panel: ${e.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  const file = join(outDir, `${d.slug}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const rows = answers.reduce((n, a) => n + a.rows, 0);
  return { problems, requests: answers.length, rows, ms: Date.now() - t0, screenshot: file };
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  const results = [];
  let failed = 0;
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 4000 } });
    await login(page);
    for (const d of dashboards()) {
      const r = await check(page, d);
      results.push({ slug: d.slug, charts: d.charts.length, ...r });
      const status = r.problems.length === 0 ? 'ok' : 'FAIL';
      console.log(
        `[browser] ${status} ${d.slug}: ${d.charts.length} charts, ${r.requests} data requests, ${r.rows} rows, ${r.ms} ms, ${r.screenshot}`
      );
      for (const p of r.problems) {
        console.log(`[browser]   ${p}`);
      }
      failed += r.problems.length === 0 ? 0 : 1;
    }
  } finally {
    await browser.close();
  }
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  if (failed > 0) {
    console.log(`[browser] ${failed} of ${results.length} dashboards did not render cleanly`);
    process.exit(1);
  }
  console.log(`[browser] all ${results.length} dashboards rendered with data and no error panel`);
}

main().catch((e) => {
  console.error(`[browser] ERROR: ${e.message}`);
  process.exit(1);
});
