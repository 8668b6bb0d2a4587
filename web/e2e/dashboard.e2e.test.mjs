// End-to-end tests of the complete dashboard: a card for every count the API gives and a
// chart for every chart, each card opening the list it counts, filtered; the counts
// follow the server's stream live (a write elsewhere shows without a reload, and the
// charts are read again), and fall back to polling where there is no stream; picked
// "as of" an instant, they show the counts as they stood then, with the live updates
// paused, until the way back to current. Same
// harness as the other files (helpers.mjs): a real bin/strata on a fresh database with
// the demo seed, in Debian's chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN, COMPLIANCE, RISK, axe, createHarness, login, shot, shots, sleep } from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

/** Every count of GET /api/dashboard: its card's label and the list the card opens. */
const CARDS = {
  risks_open: ['Open risks', '/risks?open=true'],
  risks_high: ['Open risks rated High or Critical', '/risks?open=true&rating=High,Critical'],
  controls_active: ['Active controls', '/controls?status=Active'],
  controls_ineffective: ['Active controls rated Ineffective', '/controls?status=Active&effectiveness=Ineffective'],
  engagements_active: ['Active engagements', '/engagements?active=true'],
  findings_open: ['Open findings', '/findings?open=true'],
  findings_overdue: ['Overdue findings', '/findings?overdue=true'],
  cases_open: ['Open cases', '/cases?open=true&view=board'],
  cases_urgent: ['Urgent open cases', '/cases?open=true&priority=urgent&view=board'],
  kpis_off_target: ['KPIs off target', '/kpis?on_target=false'],
  kpis_stale: ['Stale KPIs (a value is overdue)', '/kpis?stale=true'],
  vendors_high_risk: ['Vendors tiered High or Critical', '/vendors?status=onboarding,active&risk_tier=High,Critical'],
  vendors_review_overdue: ['Vendor reviews overdue', '/vendors?overdue_review=true'],
};

/** Every chart of GET /api/dashboard/charts: its card's heading. */
const CHARTS = {
  risk_heatmap: 'Risk heat map',
  risks_by_status: 'Risks by status',
  controls_by_effectiveness: 'Controls by effectiveness',
  findings_by_risk: 'Open findings by linked risk rating',
  audit_phases: 'Engagements by phase',
  cases_by_status: 'Cases by status',
  kpis_on_target: 'KPIs against target',
  vendors_by_risk: 'Vendors by risk tier',
};

const state = { axe: [] };

async function withPage(fn, viewport) {
  const ctx = await h.newContext(viewport);
  const page = await ctx.newPage();
  try {
    return await fn(page);
  } finally {
    await ctx.close();
  }
}

async function apiGet(page, url) {
  return page.evaluate(async (u) => (await (await fetch(u)).json()).data, url);
}

/**
 * How many rows the list behind a page link holds: the link's filters sent to the
 * list's API route (the board or table view is the page's own business).
 */
async function listTotal(page, href) {
  const url = new URL(href, 'http://x');
  url.searchParams.delete('view');
  url.searchParams.set('limit', '1');
  return page.evaluate(async (u) => {
    const r = await fetch(u);
    const body = await r.json();
    if (r.status !== 200) throw new Error(`${u}: ${r.status} ${JSON.stringify(body)}`);
    return body.meta.total;
  }, `/api${url.pathname}${url.search}`);
}

async function apiPost(page, url, body) {
  return page.evaluate(
    async ([u, b]) => {
      const r = await fetch(u, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(b),
      });
      return { status: r.status, ...(await r.json()) };
    },
    [url, body],
  );
}

async function check(page, name) {
  state.axe.push(...(await axe(page, name)));
}

const card = (page, label) => page.locator('a').filter({ has: page.getByText(label, { exact: true }) });

/** The number a card shows, once it shows one. */
async function cardValue(page, label) {
  const value = card(page, label).locator('p').nth(1);
  await page.waitForFunction((el) => /^\d+$/.test(el.textContent.trim()), await value.elementHandle());
  return Number((await value.textContent()).trim());
}

/** Waits until a card shows `want`, without reloading the page. */
async function waitCard(page, label, want, timeout) {
  const value = card(page, label).locator('p').nth(1);
  await page.waitForFunction(([el, w]) => el.textContent.trim() === String(w), [await value.elementHandle(), want], {
    timeout,
  });
}

/**
 * The risk manager signed in in a browser context of their own: `addVendor` adds a
 * vendor tiered Critical and already due for review, and answers when the server did.
 */
async function otherBrowser() {
  const ctx = await h.newContext();
  const other = await ctx.newPage();
  await login(other, RISK);
  return {
    async addVendor(name) {
      const r = await apiPost(other, '/api/vendors', {
        name,
        risk_tier: 'Critical',
        status: 'active',
        next_review: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10),
      });
      assert.equal(r.status, 201, JSON.stringify(r));
      return Date.now();
    },
    close: () => ctx.close(),
  };
}

describe('complete dashboard e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. every count the API gives has its card, and every chart its card (the admin sees them all)', async () => {
    await withPage(async (page) => {
      await login(page, ADMIN);
      const counts = await apiGet(page, '/api/dashboard');
      assert.deepEqual(Object.keys(counts).sort(), Object.keys(CARDS).sort(), 'the admin is given every count');
      for (const [key, [label, href]] of Object.entries(CARDS)) {
        assert.equal(await card(page, label).getAttribute('href'), href, `${key} links to ${href}`);
        assert.equal(await cardValue(page, label), counts[key], label);
        assert.equal(await listTotal(page, href), counts[key], `${key}: the list ${href} holds what the card counts`);
      }
      let bars = 0;
      for (const [type, title] of Object.entries(CHARTS)) {
        const chart = page.locator('.mantine-Card-root').filter({ has: page.getByRole('heading', { name: title }) });
        await chart.locator('canvas').first().waitFor();
        const data = await apiGet(page, `/api/dashboard/charts?chart_type=${type}`);
        assert.equal(data.chart_type, type);
        // Each bar's link (the heat map's cells have none of their own here) opens a list
        // holding exactly the bar's number.
        const links = chart.locator('a[data-bar]');
        if (type === 'risk_heatmap') continue;
        assert.equal(await links.count(), data.labels.length, `${type}: a link per bar`);
        for (const [i, label] of data.labels.entries()) {
          const link = links.nth(i);
          assert.equal(await link.getAttribute('data-bar'), label);
          assert.equal((await link.textContent()).trim(), `${label}: ${data.values[i]}`);
          const href = await link.getAttribute('href');
          assert.equal(
            await listTotal(page, href),
            data.values[i],
            `${type} ${label}: the list ${href} holds the bar's number`,
          );
          bars++;
        }
      }
      assert.ok(bars >= 25, `every bar was compared with its list (${bars})`);
      await page.getByText('Live: the figures change as records do.').waitFor();
      await sleep(500);
      await check(page, 'dashboard (admin)');
      await shot(page, 'd01-dashboard-admin');
    });
  });

  test('2. the compliance manager gets a card for every count given, and none for what is not', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      const counts = await apiGet(page, '/api/dashboard');
      for (const key of Object.keys(counts)) {
        assert.ok(CARDS[key], `a card is known for ${key}`);
        assert.equal(await cardValue(page, CARDS[key][0]), counts[key], key);
      }
      for (const [key, [label]] of Object.entries(CARDS)) {
        if (!(key in counts)) assert.equal(await card(page, label).count(), 0, `no card for ${key}`);
      }
      for (const title of ['KPIs against target', 'Vendors by risk tier']) {
        await page.getByRole('heading', { name: title }).waitFor();
      }
      await sleep(500);
      await check(page, 'dashboard (compliance manager)');
    });
  });

  test('3. live: a write in another browser updates the cards without a reload, and the charts are read again', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByText('Live: the figures change as records do.').waitFor();
      const high = await cardValue(page, 'Vendors tiered High or Critical');
      const overdue = await cardValue(page, 'Vendor reviews overdue');
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      const chartRead = page.waitForRequest((r) => r.url().includes('chart_type=vendors_by_risk'), { timeout: 15_000 });

      const other = await otherBrowser();
      try {
        const answered = await other.addVendor(`E2E live vendor ${suffix}`);
        await waitCard(page, 'Vendors tiered High or Critical', high + 1, 10_000);
        console.log(`live dashboard: the card changed ${Date.now() - answered} ms after the write was answered`);
        await waitCard(page, 'Vendor reviews overdue', overdue + 1, 10_000);
      } finally {
        await other.close();
      }
      assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
      await chartRead;
      await shot(page, 'd03-live');
    });
  });

  test('4. without EventSource the dashboard polls every 15 seconds', async () => {
    await withPage(async (page) => {
      await page.addInitScript(() => {
        delete window.EventSource;
      });
      await login(page, COMPLIANCE);
      await page.getByText('Live figures unavailable: refreshed every 15 seconds.').waitFor();
      const high = await cardValue(page, 'Vendors tiered High or Critical');
      const other = await otherBrowser();
      try {
        await other.addVendor(`E2E polled vendor ${suffix}`);
      } finally {
        await other.close();
      }
      await waitCard(page, 'Vendors tiered High or Critical', high + 1, 25_000);
      await shot(page, 'd04-polling');
    });
  });

  test('5. cards open their lists, filtered to what they count', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      for (const [label, url, noun] of [
        ['Vendor reviews overdue', /\/vendors\?overdue_review=true$/, 'matching vendor'],
        ['KPIs off target', /\/kpis\?on_target=false$/, 'matching KPI'],
        ['Stale KPIs (a value is overdue)', /\/kpis\?stale=true$/, 'matching KPI'],
        ['Overdue findings', /\/findings\?overdue=true$/, 'matching finding'],
        [
          'Vendors tiered High or Critical',
          /\/vendors\?status=onboarding(,|%2C)active&risk_tier=High(,|%2C)Critical$/,
          'matching vendor',
        ],
        ['Open risks rated High or Critical', /\/risks\?open=true&rating=High(,|%2C)Critical$/, 'matching risk'],
      ]) {
        await page.goto('/');
        const n = await cardValue(page, label);
        await card(page, label).click();
        await page.waitForURL(url);
        await page.getByText(`${n} ${noun}${n === 1 ? '' : 's'} · page 1`).waitFor();
      }
      // The risk list shows both ratings picked, and only open risks of those ratings.
      for (const rating of ['High', 'Critical']) {
        await page.locator('.mantine-MultiSelect-pill').filter({ hasText: rating }).first().waitFor();
      }
      await page
        .locator('tbody tr')
        .filter({ hasNotText: /High|Critical/ })
        .first()
        .waitFor({ state: 'detached' });
      await check(page, 'risk list, several ratings (from the dashboard)');
      // A bar's link under a chart opens its list from the keyboard as well.
      await page.goto('/');
      const tiers = page.getByRole('list', { name: 'Vendors by risk tier: lists' });
      const critical = tiers.getByRole('link', { name: /^Critical: \d+$/ });
      const n = Number((await critical.textContent()).split(': ')[1]);
      await critical.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/vendors\?status=onboarding(,|%2C)active&risk_tier=Critical$/);
      await page.getByText(`${n} matching vendor${n === 1 ? '' : 's'} · page 1`).waitFor();
    });
  });

  test('6. as of an instant before a write: the older count under a banner, live updates paused, then back to current', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByText('Live: the figures change as records do.').waitFor();
      const label = 'Vendors tiered High or Critical';
      const older = await cardValue(page, label);
      // The picker holds whole seconds: a second's margin either side keeps the instant
      // picked after the earlier tests' writes and before this one's.
      await sleep(1100);
      const before = new Date(Math.floor(Date.now() / 1000) * 1000);
      await sleep(1100);
      const other = await otherBrowser();
      try {
        await other.addVendor(`E2E as-of vendor ${suffix}`);
      } finally {
        await other.close();
      }
      await waitCard(page, label, older + 1, 10_000);

      // The context runs in UTC, so the local time the picker takes is the UTC one.
      await page.getByLabel('View as of (your local time)').fill(before.toISOString().slice(0, 19));
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.waitForURL((u) => u.searchParams.get('as_of') === before.toISOString());
      await page.getByText(/^Dashboard as it stood at /).waitFor();
      await page.getByText('Live updates paused while the dashboard shows the past.').waitFor();
      assert.equal(await cardValue(page, label), older, 'the card shows the count before the write');
      assert.equal(
        await card(page, label).getAttribute('href'),
        CARDS.vendors_high_risk[1],
        'the card still opens its list',
      );
      // The chart is the same replay: its bars give the figures as of the instant.
      const at = encodeURIComponent(before.toISOString());
      const pastChart = await apiGet(page, `/api/dashboard/charts?chart_type=vendors_by_risk&as_of=${at}`);
      const nowChart = await apiGet(page, '/api/dashboard/charts?chart_type=vendors_by_risk');
      assert.notDeepEqual(pastChart.values, nowChart.values, 'the write changed the chart');
      const bars = page
        .locator('.mantine-Card-root')
        .filter({ has: page.getByRole('heading', { name: 'Vendors by risk tier' }) })
        .locator('a[data-bar]');
      const want = pastChart.labels.map((l, i) => `${l}: ${pastChart.values[i]}`);
      const deadline = Date.now() + 10_000;
      let shown = [];
      while (Date.now() < deadline) {
        shown = (await bars.allInnerTexts()).map((t) => t.trim());
        if (shown.length > 0 && shown.every((t) => want.includes(t))) break;
        await sleep(200);
      }
      assert.ok(shown.length > 0 && shown.every((t) => want.includes(t)), `bars ${shown} are not the past ${want}`);
      await check(page, 'dashboard as of an instant');
      await shot(page, 'd06-as-of');

      // Opened from its URL the page shows the same; the way back is live again.
      await page.goto(`/?as_of=${encodeURIComponent(before.toISOString())}`);
      assert.equal(await cardValue(page, label), older, 'the same from the URL');
      await page.getByRole('button', { name: 'Back to current' }).click();
      await waitCard(page, label, older + 1, 10_000);
      await page.getByText('Live: the figures change as records do.').waitFor();
      assert.equal(await page.getByText(/^Dashboard as it stood at /).count(), 0, 'no banner once back');
      await page.getByRole('heading', { name: 'Vendors by risk tier' }).waitFor();
    });
  });

  test('7. a phone-sized dashboard, then no serious or critical axe violations anywhere', async () => {
    await withPage(
      async (page) => {
        await login(page, COMPLIANCE);
        await page.getByRole('heading', { name: 'Vendors by risk tier' }).waitFor();
        await sleep(800);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the dashboard is ${overflow}px wider than a 390px window`);
        await check(page, 'dashboard (phone)');
        await shot(page, 'd06-phone');
      },
      { width: 390, height: 844 },
    );
    writeFileSync(path.join(shots, 'axe-violations-dashboard.json'), JSON.stringify(state.axe, null, 2) + '\n');
    if (state.axe.length) console.log('axe serious/critical violations:\n' + JSON.stringify(state.axe, null, 2));
    assert.deepEqual(
      state.axe.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });
});
