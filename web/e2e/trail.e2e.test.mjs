// End-to-end tests of the organization-wide audit trail: a risk changed by the risk
// manager shows in the trail a compliance manager reads, filtered to the record, with
// its before and after; the record link and the "as it was" link open the risk; the CSV
// export holds the row; a refused filter is named beside its field; the page passes axe;
// and a viewer, without `audit_trail:read`, is not offered the trail. Same harness as
// the other files (helpers.mjs): a real bin/strata on a fresh database with the demo
// seed, in Debian's chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { COMPLIANCE, RISK, VIEWER, axe, createHarness, login, pickSelect, shot, sleep } from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

const state = {
  risk: null,
  before: '',
  after: `E2E trail title ${suffix}`,
  /** Serious and critical axe violations found along the way; the last scenario asserts there are none. */
  axe: [],
};

async function withPage(fn) {
  const ctx = await h.newContext();
  const page = await ctx.newPage();
  try {
    return await fn(page);
  } finally {
    await ctx.close();
  }
}

async function apiCall(page, url, init = {}) {
  return page.evaluate(
    async ([u, i]) => {
      const r = await fetch(u, {
        ...i,
        headers: i.body ? { 'Content-Type': 'application/json', ...(i.headers ?? {}) } : i.headers,
      });
      return { status: r.status, ...(await r.json()) };
    },
    [url, init],
  );
}

const nav = (page) => page.getByRole('navigation', { name: 'Main' });
const rowsOf = (page, type) => page.locator('tbody tr').filter({ hasText: type });

/** The trail is a read model filled after the write: reloads until the row shows. */
async function waitForRow(page, type, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    // The count reads "· updating…" while the filtered page loads over the previous one.
    await page.getByText(/^\d+ matching events? · page 1$/).waitFor();
    if ((await rowsOf(page, type).count()) > 0) return rowsOf(page, type).first();
    if (Date.now() > end) throw new Error(`no ${type} row in the trail after ${ms} ms`);
    await sleep(500);
    await page.reload();
  }
}

describe('audit trail e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. the risk manager changes a risk', async () => {
    await withPage(async (page) => {
      await login(page, RISK);
      [state.risk] = (await apiCall(page, '/api/risks?limit=1')).data;
      assert.ok(state.risk, 'the demo has risks');
      state.before = state.risk.title;
      const res = await apiCall(page, `/api/risks/${state.risk.id}`, {
        method: 'PUT',
        body: JSON.stringify({ title: state.after }),
        headers: { 'If-Match': `"${state.risk.version}"` },
      });
      assert.equal(res.status, 200, JSON.stringify(res));
      assert.equal(res.data.title, state.after);
    });
  });

  test('2. the compliance manager finds the change in the trail, opens the record and exports it', async () => {
    assert.ok(state.risk, 'needs the change of scenario 1');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await nav(page).getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
      await page.locator('tbody tr').first().waitFor();

      await pickSelect(page, 'Record type', 'Risk');
      await page.waitForURL(/entity_type=risk/);
      // Until the filtered page arrives the previous one stays shown.
      const filtered = page.waitForResponse((r) => {
        const u = new URL(r.url());
        return u.pathname === '/api/audit-trail' && u.searchParams.get('entity_id') === String(state.risk.id);
      });
      await page.getByRole('textbox', { name: 'Record id' }).fill(String(state.risk.id));
      await page.waitForURL(new RegExp(`entity_id=${state.risk.id}(&|$)`));
      await filtered;

      const row = await waitForRow(page, 'RiskUpdated');
      await row.getByText('Marcus Obi').waitFor();
      const change = row.getByRole('listitem').filter({ hasText: /^title:/ });
      assert.equal((await change.textContent()).trim(), `title: ${state.before} → ${state.after}`);
      await row.getByText(/^Request: /).waitFor();
      const others = page.locator('tbody tr').filter({ hasNotText: `Risk #${state.risk.id}` });
      assert.equal(await others.count(), 0);
      state.axe.push(...(await axe(page, 'audit trail (filtered to a risk)')));
      await shot(page, 't02-trail');

      const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
      assert.equal(csvHref, `/api/audit-trail?format=csv&entity_type=risk&entity_id=${state.risk.id}`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'audit-trail.csv');
      const csv = await readFile(await download.path(), 'utf8');
      const line = csv.split('\n').find((l) => l.includes('RiskUpdated'));
      assert.ok(line, `the export has the update:\n${csv}`);
      assert.ok(line.includes(state.after) && line.includes('Marcus Obi'), line);

      const asOf = row.getByRole('link', { name: 'As it was right after this' });
      assert.match(await asOf.getAttribute('href'), new RegExp(`^/risks/${state.risk.id}\\?as_of=`));
      await row.getByRole('link', { name: `Risk #${state.risk.id}`, exact: true }).click();
      await page.waitForURL(new RegExp(`/risks/${state.risk.id}$`));
      await page.getByRole('heading', { level: 1, name: new RegExp(state.after) }).waitFor();

      await page.goBack();
      await waitForRow(page, 'RiskUpdated');
      await rowsOf(page, 'RiskUpdated').first().getByRole('link', { name: 'As it was right after this' }).click();
      await page.waitForURL(/as_of=/);
      await page.getByText('Historical view').waitFor();
      await page.getByText(state.after).first().waitFor();
      await shot(page, 't02-as-of');
    });
  });

  test('3. a refused filter is named beside its field', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.goto('/audit-trail?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z');
      await page.getByText('must not be after to', { exact: true }).waitFor();
      assert.equal(
        await page.getByRole('textbox', { name: 'From (your local time)' }).getAttribute('aria-invalid'),
        'true',
      );
      await page.getByRole('alert').filter({ hasText: 'Could not load the audit trail' }).waitFor();
      state.axe.push(...(await axe(page, 'audit trail (refused filter)')));
    });
  });

  test('4. a viewer is not offered the trail', async () => {
    await withPage(async (page) => {
      await login(page, VIEWER);
      await nav(page).getByRole('link', { name: 'Risks' }).waitFor();
      assert.equal(await nav(page).getByRole('link', { name: 'Audit trail' }).count(), 0);
    });
  });

  test('5. no serious or critical accessibility violations', () => {
    assert.deepEqual(state.axe, []);
  });
});
