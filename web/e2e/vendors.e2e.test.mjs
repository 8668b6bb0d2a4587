// End-to-end tests of third-party risk: the vendor list's tiers and overdue reviews and
// its URL filters, a vendor added with a linked risk and a review already due, a review
// that re-tiers it (the tier history shows it), an edit whose change of tier needs a
// reason, removal, and accessibility of every new page. Same harness as the other files
// (helpers.mjs): a real bin/strata on a fresh database with the demo seed, in Debian's
// chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPLIANCE, VIEWER, axe, createHarness, login, pickSelect, shot, shots, sleep } from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const state = {
  vendorId: null,
  name: `E2E Payroll Bureau ${suffix}`,
  risk: null,
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

async function openVendor(page) {
  await page.goto(`/vendors/${state.vendorId}`);
  await page.getByRole('heading', { level: 1, name: `#${state.vendorId} ${state.name}` }).waitFor();
}

describe('vendors e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. the vendor list shows tiers and overdue reviews, and filters by the URL', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vendors' }).click();
      await page.getByRole('heading', { level: 1, name: 'Vendors' }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      const vendors = await apiGet(page, '/api/vendors?limit=500');
      assert.ok(vendors.length >= 10, `the demo has vendors (${vendors.length})`);
      for (const v of vendors) {
        const row = rowOf(page, v.name);
        // The second cell is the tier (a criticality may read the same word).
        await row.locator('td').nth(1).getByText(v.risk_tier, { exact: true }).waitFor();
        assert.equal(await row.getByText('Review overdue').count(), v.overdue_review ? 1 : 0, `${v.name} overdue`);
      }
      await check(page, 'vendor list');
      await shot(page, 'v01-list');

      const counts = await apiGet(page, '/api/dashboard');
      assert.ok(counts.vendors_review_overdue >= 1, 'the demo has overdue reviews');
      await pickSelect(page, 'Review overdue', 'Overdue only');
      await page.waitForURL(/overdue_review=true/);
      const n = counts.vendors_review_overdue;
      await page.getByText(`${n} matching vendor${n === 1 ? '' : 's'} · page 1`).waitFor();
      assert.equal(await page.locator('tbody tr').filter({ hasText: 'Review overdue' }).count(), n);

      await page.goto('/vendors?risk_tier=Low&status=active');
      await page.locator('tbody tr').first().waitFor();
      const want = vendors.filter((v) => v.risk_tier === 'Low' && v.status === 'active').length;
      await page.getByText(`${want} matching vendor${want === 1 ? '' : 's'} · page 1`).waitFor();
    });
  });

  test('2. a vendor added through the form, with a linked risk and a review already due', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      [state.risk] = await apiGet(page, '/api/risks?limit=1&sort=-score');
      assert.ok(state.risk, 'the demo has risks');
      await page.goto('/vendors');
      await page.getByRole('link', { name: 'New vendor' }).click();
      await page.getByRole('heading', { level: 1, name: 'New vendor' }).waitFor();
      await page.getByRole('button', { name: 'Add vendor' }).click();
      await page.getByText('is required').first().waitFor();
      await check(page, 'vendor form with field errors');

      await page.getByRole('textbox', { name: 'Name', exact: true }).fill(state.name);
      await page.getByRole('textbox', { name: 'Service' }).fill('Payroll processing');
      await pickSelect(page, 'Criticality', 'High');
      await pickSelect(page, 'Status', 'Active');
      await page.getByRole('textbox', { name: 'Contact name' }).fill('Grace Hopper');
      await page.getByRole('textbox', { name: 'Contact email' }).fill('grace@payroll.example');
      await page.getByRole('textbox', { name: 'Next review' }).fill(day(-3));
      const picker = page.getByRole('textbox', { name: 'Linked risks' });
      await picker.click();
      await picker.fill(state.risk.title.split(' ').slice(0, 3).join(' '));
      await page.getByRole('option', { name: `#${state.risk.id} ${state.risk.title}` }).click();
      await page.keyboard.press('Escape');
      await check(page, 'vendor form (filled)');
      await shot(page, 'v02-form');
      await page.getByRole('button', { name: 'Add vendor' }).click();
      await page.waitForURL(/\/vendors\/\d+$/);
      state.vendorId = Number(new URL(page.url()).pathname.split('/').pop());
      await openVendor(page);
      assert.equal(await field(page, 'Risk tier'), 'Medium');
      assert.equal(await field(page, 'Criticality'), 'High');
      assert.match(await field(page, 'Next review'), new RegExp(`^${day(-3)}\\s*Review overdue$`));
      await page.getByText(`Review overdue since ${day(-3)}: record a review to set the next date.`).waitFor();
      const risk = section(page, 'Linked risks').getByRole('link', { name: `#${state.risk.id} ${state.risk.title}` });
      assert.equal(await risk.getAttribute('href'), `/risks/${state.risk.id}`);
      await section(page, 'Tier history').getByText('First tier').waitFor();
      await section(page, 'History').getByText('Vendor added').waitFor();
      await check(page, 'vendor page (new)');
      await shot(page, 'v02-vendor');

      await page.goto('/vendors?overdue_review=true');
      await rowOf(page, state.name).getByText('Review overdue').waitFor();

      // Names are unique without regard to case.
      await page.goto('/vendors/new');
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill(state.name.toUpperCase());
      await page.getByRole('button', { name: 'Add vendor' }).click();
      await page.waitForFunction(
        () => document.querySelector('input[maxlength="200"]')?.getAttribute('aria-invalid') === 'true',
      );
      assert.match(page.url(), /\/vendors\/new$/);
    });
  });

  test('3. a review that re-tiers the vendor: notes required, the tier history shows it', async () => {
    assert.ok(state.vendorId, 'needs the vendor of scenario 2');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await openVendor(page);
      await page.getByRole('button', { name: 'Record a review' }).click();
      const dialog = page.getByRole('dialog', { name: `Review of ${state.name}` });
      await dialog.waitFor();
      assert.equal(await dialog.getByRole('textbox', { name: 'Reviewed on' }).inputValue(), day(0));
      await pickSelect(page, 'Decision', 'Approved with conditions', dialog);
      await pickSelect(page, 'Risk tier after the review', 'High', dialog);
      await dialog.getByText('Moves the vendor from Medium').waitFor();
      await dialog.getByRole('button', { name: 'Record review' }).click();
      await dialog.getByText('is required when the review changes the tier: say why it moves').waitFor();
      await sleep(300);
      await check(page, 'review dialog (notes required)');
      await shot(page, 'v03-review-needs-notes');
      await dialog
        .getByRole('textbox', { name: 'Notes' })
        .fill('Payroll outage in the last quarter; recovery plan pending.');
      await dialog.getByRole('button', { name: 'Record review' }).click();
      await dialog.waitFor({ state: 'hidden' });

      await page.waitForFunction(() => !document.body.textContent.includes('Review overdue'));
      assert.equal(await field(page, 'Risk tier'), 'High');
      assert.equal(await field(page, 'Last review'), day(0));
      const review = section(page, 'Reviews').locator('tbody tr').first();
      await review.getByText('Approved with conditions').waitFor();
      assert.match(await review.textContent(), /Medium[\s\S]*High/);
      const tiers = section(page, 'Tier history').locator('tbody tr');
      assert.equal(await tiers.count(), 2);
      assert.match(
        await tiers.nth(1).textContent(),
        /Medium[\s\S]*High[\s\S]*Review #\d+[\s\S]*Priya Raman[\s\S]*Payroll outage/,
      );
      await section(page, 'History').getByText('Vendor reviewed').waitFor();
      await check(page, 'vendor page (reviewed)');
      await shot(page, 'v03-reviewed');

      await page.goto('/vendors?overdue_review=true');
      await page.locator('tbody tr').first().waitFor();
      assert.equal(await rowOf(page, state.name).count(), 0, 'no longer overdue');
    });
  });

  test('4. an edit that changes the tier asks why; the linked risk opens the risk', async () => {
    assert.ok(state.vendorId, 'needs the vendor of scenario 2');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await openVendor(page);
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: `Edit vendor #${state.vendorId}` }).waitFor();
      await page.waitForFunction((n) => document.querySelector('input[maxlength="200"]')?.value === n, state.name);
      await pickSelect(page, 'Risk tier', 'Critical');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('is required to change the risk tier: say why it moves').waitFor();
      await check(page, 'vendor form (edit, reason required)');
      await page.getByRole('textbox', { name: 'Reason for the new tier' }).fill('Now also runs our pension payments.');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(new RegExp(`/vendors/${state.vendorId}$`));
      await page.getByRole('heading', { level: 1, name: `#${state.vendorId} ${state.name}` }).waitFor();
      const tiers = section(page, 'Tier history').locator('tbody tr');
      await tiers.nth(2).waitFor();
      assert.match(await tiers.nth(2).textContent(), /High[\s\S]*Critical[\s\S]*Edit[\s\S]*pension payments/);

      await section(page, 'Linked risks')
        .getByRole('link', { name: `#${state.risk.id} ${state.risk.title}` })
        .click();
      await page.waitForURL(new RegExp(`/risks/${state.risk.id}$`));
      await page.getByRole('heading', { level: 1, name: new RegExp(`^#${state.risk.id} `) }).waitFor();
    });
  });

  test('5. a viewer reads vendors but changes nothing', async () => {
    await withPage(async (page) => {
      await login(page, VIEWER);
      await openVendor(page);
      await section(page, 'Reviews').locator('tbody tr').first().waitFor();
      for (const name of ['Record a review', 'Remove']) {
        assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, name);
      }
      assert.equal(await page.getByRole('link', { name: 'Edit', exact: true }).count(), 0);
      await check(page, 'vendor page (viewer)');
    });
  });

  test('6. removal after a confirmation: gone from the list, its history still readable', async () => {
    assert.ok(state.vendorId, 'needs the vendor of scenario 2');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await openVendor(page);
      await page.getByRole('button', { name: 'Remove', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Remove ${state.name}?` });
      await dialog.waitFor();
      await dialog.getByText(/Its history stays readable/).waitFor();
      await sleep(300);
      await check(page, 'remove dialog');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Remove', exact: true }).click();
      await dialog.getByRole('textbox', { name: 'Reason (optional)' }).fill('Contract ended.');
      await dialog.getByRole('button', { name: 'Remove vendor' }).click();
      await page.waitForURL(/\/vendors$/);
      await page.goto(`/vendors?q=${encodeURIComponent(state.name)}`);
      await page.getByText('No vendors match these filters.').waitFor();
      await page.goto(`/vendors/${state.vendorId}`);
      await page.getByText('No such vendor').waitFor();
      await section(page, 'History').getByText('Vendor removed').waitFor();
      await check(page, 'vendor page (removed)');
      await shot(page, 'v06-removed');
    });
  });

  test('7. a phone-sized window, then no serious or critical axe violations anywhere', async () => {
    await withPage(
      async (page) => {
        await login(page, COMPLIANCE);
        const [v] = await apiGet(page, '/api/vendors?limit=1');
        for (const [name, url] of [
          ['vendor list (phone)', '/vendors'],
          ['vendor page (phone)', `/vendors/${v.id}`],
        ]) {
          await page.goto(url);
          await page.locator('tbody tr').first().waitFor();
          await sleep(300);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${name} is ${overflow}px wider than a 390px window`);
          await check(page, name);
        }
        await shot(page, 'v07-phone-vendor');
      },
      { width: 390, height: 844 },
    );
    writeFileSync(path.join(shots, 'axe-violations-vendors.json'), JSON.stringify(state.axe, null, 2) + '\n');
    if (state.axe.length) console.log('axe serious/critical violations:\n' + JSON.stringify(state.axe, null, 2));
    assert.deepEqual(
      state.axe.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });
});
