// End-to-end tests of objectives and KPIs: the list's on/off target and stale badges and
// its URL filters, an objective and a KPI set up through the forms, a value recorded and
// then corrected (the performance table and the history keep both), the objectives'
// progress, and accessibility of every new page. Same harness as the other files
// (helpers.mjs): a real bin/strata on a fresh database with the demo seed, in Debian's
// chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPLIANCE, VIEWER, axe, createHarness, login, pickSelect, shot, shots, sleep } from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

const state = {
  objectiveId: null,
  objective: `E2E objective ${suffix}`,
  kpiId: null,
  kpi: `E2E complaints answered in time ${suffix}`,
  period: null,
  /** Serious and critical axe violations found along the way; the last scenario asserts there are none. */
  axe: [],
};

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

async function check(page, name) {
  state.axe.push(...(await axe(page, name)));
}

/** The text of a detail field (a dt/dd pair) of the page. */
async function field(page, label) {
  const dd = page.locator('dl div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });
  return (await dd.locator('dd').first().textContent()).trim();
}

const section = (page, title) => page.getByRole('region', { name: title, exact: true });
const rowOf = (page, name) => page.locator('tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });

describe('objectives and KPIs e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. the KPI list shows on/off target and stale in words, and filters by the URL', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'KPIs', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'KPIs' }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      const kpis = await apiGet(page, '/api/kpis?limit=500');
      assert.ok(kpis.length >= 8, `the demo has KPIs (${kpis.length})`);
      for (const k of kpis.slice(0, 10)) {
        const row = rowOf(page, k.name);
        const want = k.on_target === true ? 'On target' : k.on_target === false ? 'Off target' : 'No data';
        await row.getByText(want, { exact: true }).waitFor();
        assert.equal(await row.getByText('Stale', { exact: true }).count(), k.stale ? 1 : 0, `${k.name} stale`);
      }
      assert.ok(
        kpis.some((k) => k.on_target === true) && kpis.some((k) => k.on_target === false),
        'the demo has KPIs on and off target',
      );
      await check(page, 'KPI list');
      await shot(page, 'k01-list');

      const counts = await apiGet(page, '/api/dashboard');
      assert.ok(counts.kpis_stale >= 1, 'the demo has stale KPIs');
      await page.goto('/kpis?stale=true');
      await page.getByText(`${counts.kpis_stale} matching KPI${counts.kpis_stale === 1 ? '' : 's'} · page 1`).waitFor();
      assert.equal(await page.locator('tbody tr').count(), counts.kpis_stale);
      assert.equal(await page.locator('tbody tr').filter({ hasText: 'Stale' }).count(), counts.kpis_stale);

      // A filter chosen on the page goes into the URL.
      await page.goto('/kpis');
      await page.locator('tbody tr').first().waitFor();
      await pickSelect(page, 'On target', 'Off target');
      await page.waitForURL(/on_target=false/);
      await page.getByText(`${counts.kpis_off_target} matching KPI`).first().waitFor();
      assert.equal(await page.locator('tbody tr').filter({ hasText: 'On target' }).count(), 0);
      await shot(page, 'k01-off-target');
    });
  });

  test('2. an objective and a KPI under it, through the forms', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.goto('/objectives');
      await page.getByRole('heading', { level: 1, name: 'Objectives' }).waitFor();
      await page.getByRole('link', { name: 'New objective' }).click();
      await page.getByRole('heading', { level: 1, name: 'New objective' }).waitFor();
      await page.getByRole('button', { name: 'Set objective' }).click();
      await page.getByText('is required').first().waitFor();
      await check(page, 'objective form with field errors');
      await page.getByRole('textbox', { name: 'Name' }).fill(state.objective);
      await page.getByRole('textbox', { name: 'Description' }).fill('Customers hear back from us quickly.');
      await page.getByRole('button', { name: 'Set objective' }).click();
      await page.waitForURL(/\/objectives\/\d+$/);
      state.objectiveId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.getByRole('heading', { level: 1, name: `#${state.objectiveId} ${state.objective}` }).waitFor();
      await page.getByText('No KPIs yet').waitFor();

      await page.getByRole('link', { name: 'Add a KPI' }).click();
      await page.getByRole('heading', { level: 1, name: 'New KPI' }).waitFor();
      // The objective is chosen at once, and named once the objectives have loaded.
      await page.waitForFunction(
        ([el, want]) => el.value === want,
        [await page.getByRole('textbox', { name: 'Objective' }).elementHandle(), state.objective],
      );
      assert.equal(await page.getByRole('textbox', { name: 'Frequency' }).inputValue(), 'Monthly');
      await page.getByRole('textbox', { name: 'Name' }).fill(state.kpi);
      await page.getByRole('textbox', { name: 'Target' }).fill('ninety');
      await page.getByRole('button', { name: 'Define KPI' }).click();
      await page.getByText('must be a number').waitFor();
      await check(page, 'KPI form with field errors');
      await page.getByRole('textbox', { name: 'Target' }).fill('95');
      await page.getByRole('textbox', { name: 'Unit' }).fill('%');
      await shot(page, 'k02-kpi-form');
      await page.getByRole('button', { name: 'Define KPI' }).click();
      await page.waitForURL(/\/kpis\/\d+$/);
      state.kpiId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.getByRole('heading', { level: 1, name: `#${state.kpiId} ${state.kpi}` }).waitFor();
      await page.getByText('No value recorded yet.').waitFor();
      assert.equal(await field(page, 'Target'), 'At least 95%');
      assert.equal(await field(page, 'Objective'), state.objective);
      await section(page, 'History').getByText('Kpi defined').waitFor();
    });
  });

  test('3. a value recorded, then corrected: the table and the history keep both', async () => {
    assert.ok(state.kpiId, 'needs the KPI of scenario 2');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.goto(`/kpis/${state.kpiId}`);
      const form = page.getByRole('form', { name: 'Record a value' });
      await form.waitFor();
      const periodInput = form.getByLabel(/Period \(month\)/);
      state.period = await periodInput.inputValue();
      assert.match(state.period, /^\d{4}-\d{2}$/, 'a monthly KPI asks for a month');
      await form.getByRole('textbox', { name: 'Value (%)' }).fill('90');
      await check(page, 'KPI page (recording)');
      await form.getByRole('button', { name: 'Record value' }).click();
      await form.getByText(/^Recorded: 90% for /).waitFor();
      await page.getByText(/^Off target: 90% for /).waitFor();
      const perf = section(page, 'Performance');
      await perf.locator('tbody tr').filter({ hasText: '90%' }).getByText('Recorded', { exact: true }).waitFor();

      // The same period again is a correction: the form says so and wants to know why.
      assert.equal(await periodInput.inputValue(), state.period);
      await form.getByRole('textbox', { name: 'Value (%)' }).fill('97');
      await form.getByText('This is a correction').waitFor();
      await form.getByText(/already has the value 90%/).waitFor();
      await form.getByRole('button', { name: 'Save correction' }).click();
      await form.getByText('is required to correct a value: say why it changes').waitFor();
      await check(page, 'KPI page (correction refused)');
      await shot(page, 'k03-correction-needs-comment');
      await form.getByRole('textbox', { name: /Why the value is corrected/ }).fill('Late replies were counted twice.');
      await form.getByRole('button', { name: 'Save correction' }).click();
      await form.getByText(/^Corrected: 97% for /).waitFor();
      await page.getByText(/^On target: 97% for /).waitFor();

      const correction = perf.locator('tbody tr').filter({ hasText: 'Late replies were counted twice.' });
      await correction.getByText('Correction', { exact: true }).waitFor();
      assert.match(await correction.textContent(), /97%[\s\S]*90%[\s\S]*Priya Raman/);
      await perf.getByText('replaced later').waitFor();
      const history = section(page, 'History');
      await history.getByText('Kpi value corrected').waitFor();
      await history.getByText('Kpi value recorded').waitFor();
      await history.getByText(`value ${state.period}`).first().waitFor();
      assert.equal(await history.getByText(`value ${state.period}`).count(), 2, 'the history shows both values');
      await history.getByText(/90 → 97/).waitFor();

      const chart = section(page, 'Values against the target');
      await chart.locator('canvas').waitFor();
      await sleep(500);
      await check(page, 'KPI page (corrected)');
      await shot(page, 'k03-corrected');

      const perfApi = await apiGet(page, `/api/kpis/${state.kpiId}/performance`);
      assert.deepEqual(
        perfApi.map((e) => [e.period, e.value, e.corrected, e.previous_value]),
        [
          [state.period, 90, false, null],
          [state.period, 97, true, 90],
        ],
      );
    });
  });

  test('4. a quarterly KPI takes a year and a quarter', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      const kpis = await apiGet(page, '/api/kpis?frequency=quarterly&limit=1');
      assert.ok(kpis[0], 'the demo has a quarterly KPI');
      await page.goto(`/kpis/${kpis[0].id}`);
      const form = page.getByRole('form', { name: 'Record a value' });
      await form.waitFor();
      await form.getByRole('textbox', { name: 'Year', exact: true }).fill('2999');
      await pickSelect(page, 'Quarter', 'Q1 (January–March)', form);
      await form.getByRole('textbox', { name: /^Value/ }).fill('1');
      await form.getByRole('button', { name: /Record value|Save correction/ }).click();
      await form.getByText('has not begun yet').waitFor();
      await check(page, 'KPI page (quarterly)');
    });
  });

  test('5. objectives show their progress and link to their KPIs', async () => {
    assert.ok(state.objectiveId, 'needs the objective of scenario 2');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Objectives' }).click();
      await page.getByRole('heading', { level: 1, name: 'Objectives' }).waitFor();
      const objectives = await apiGet(page, '/api/objectives?limit=500');
      for (const o of objectives) {
        const row = rowOf(page, o.name);
        const pct = o.kpi_count ? Math.round((o.on_target_count / o.kpi_count) * 100) : 0;
        const text = o.kpi_count
          ? `${o.on_target_count} of ${o.kpi_count} KPI${o.kpi_count === 1 ? '' : 's'} on target (${pct}%)`
          : 'No KPIs yet';
        await row.getByText(text).waitFor();
        assert.equal(await row.getByRole('progressbar').getAttribute('aria-valuenow'), String(pct), o.name);
      }
      const mine = rowOf(page, state.objective);
      await mine.getByText('1 of 1 KPI on target (100%)').waitFor();
      await check(page, 'objectives');
      await shot(page, 'k05-objectives');

      await mine.getByRole('link', { name: `KPIs of ${state.objective}` }).click();
      await page.waitForURL(new RegExp(`/kpis\\?objective_id=${state.objectiveId}$`));
      await page.getByText('1 matching KPI · page 1').waitFor();
      await rowOf(page, state.kpi).getByText('On target', { exact: true }).waitFor();

      await page.goto(`/objectives/${state.objectiveId}`);
      await section(page, 'KPIs').getByRole('link', { name: state.kpi }).waitFor();
      await page.getByText('1 of 1 KPI on target (100%)').waitFor();
      await check(page, 'objective page');
      await shot(page, 'k05-objective');
    });
  });

  test('6. editing: the frequency of a KPI with values stays; a viewer reads but does not write', async () => {
    assert.ok(state.kpiId, 'needs the KPI of scenario 2');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.goto(`/kpis/${state.kpiId}`);
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: `Edit KPI #${state.kpiId}` }).waitFor();
      await page.waitForFunction((n) => document.querySelector('input[maxlength="200"]')?.value === n, state.kpi);
      assert.equal(await page.getByRole('textbox', { name: 'Frequency' }).isDisabled(), true);
      await page.getByText(/cannot change/).waitFor();
      await page.getByRole('textbox', { name: 'Target' }).fill('98');
      await check(page, 'KPI form (edit)');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(new RegExp(`/kpis/${state.kpiId}$`));
      await page.getByText(/^Off target: 97% for /).waitFor();
    });
    await withPage(async (page) => {
      await login(page, VIEWER);
      await page.goto(`/kpis/${state.kpiId}`);
      await page.getByRole('heading', { level: 1, name: `#${state.kpiId} ${state.kpi}` }).waitFor();
      await section(page, 'Performance').locator('tbody tr').first().waitFor();
      assert.equal(await page.getByRole('form', { name: 'Record a value' }).count(), 0);
      assert.equal(await page.getByRole('link', { name: 'Edit', exact: true }).count(), 0);
    });
  });

  test('7. a phone-sized window, then no serious or critical axe violations anywhere', async () => {
    await withPage(
      async (page) => {
        await login(page, COMPLIANCE);
        for (const [name, url] of [
          ['KPI list (phone)', '/kpis'],
          ['KPI page (phone)', `/kpis/${state.kpiId}`],
          ['objectives (phone)', '/objectives'],
        ]) {
          await page.goto(url);
          await page.locator('tbody tr').first().waitFor();
          await sleep(300);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${name} is ${overflow}px wider than a 390px window`);
          await check(page, name);
        }
        await shot(page, 'k07-phone-objectives');
      },
      { width: 390, height: 844 },
    );
    writeFileSync(path.join(shots, 'axe-violations-kpis.json'), JSON.stringify(state.axe, null, 2) + '\n');
    if (state.axe.length) console.log('axe serious/critical violations:\n' + JSON.stringify(state.axe, null, 2));
    assert.deepEqual(
      state.axe.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });
});
