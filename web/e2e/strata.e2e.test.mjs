// End-to-end tests: a real bin/strata on a fresh PostgreSQL database, driven through
// Debian's /usr/bin/chromium with playwright-core (no browser is downloaded).
// Run from web/: `npm run e2e` (expects web/dist and ../bin/strata to be built already).
// Shared set-up (server, database, browser, login, axe) lives in helpers.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { RISK, VIEWER, axe, createHarness, localValue, login, pickSelect, shot, shots, sleep } from './helpers.mjs';

const h = createHarness();
const newContext = () => h.newContext();

/** Shared state between the scenarios (they run in order). */
const state = { riskId: null, title: null, newTitle: null, beforeEdit: null };

async function openRisksCount(page) {
  await page.goto('/');
  const card = page.locator('a[href="/risks?open=true"]').filter({ hasText: 'Open risks' });
  const value = card.locator('p').nth(1);
  await page.waitForFunction((el) => /^\d+$/.test(el.textContent.trim()), await value.elementHandle());
  return Number((await value.textContent()).trim());
}

describe('strata e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. login: wrong password shows the API message, then the risk manager signs in', async () => {
    const ctx = await newContext();
    const page = await ctx.newPage();
    try {
      await page.goto('/login');
      await page.getByRole('textbox', { name: 'Email' }).fill(RISK.email);
      await page.locator('input[type="password"]').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Sign-in failed' });
      await alert.waitFor();
      assert.match(await alert.textContent(), /the email or password is not correct/i);
      await shot(page, '01-login-wrong-password');
      await page.locator('input[type="password"]').fill(RISK.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await shot(page, '01-login-ok');
    } finally {
      await ctx.close();
    }
  });

  test('2. create a risk; it is in the list and counted on the dashboard', async () => {
    const ctx = await newContext();
    const page = await ctx.newPage();
    try {
      await login(page, RISK);
      const before = await openRisksCount(page);
      state.title = `E2E risk ${Date.now().toString(36)}`;
      await page.goto('/risks');
      await page.getByRole('link', { name: 'New risk' }).click();
      await page.getByRole('heading', { level: 1, name: 'New risk' }).waitFor();
      await page.getByRole('textbox', { name: 'Title' }).fill(state.title);
      await page.getByRole('textbox', { name: 'Category' }).fill('Operational');
      await pickSelect(page, 'Likelihood (1-5)', '5');
      await pickSelect(page, 'Impact (1-5)', '4');
      await page.getByText('Inherent score 20').waitFor();
      await shot(page, '02-create-form');
      await page.getByRole('button', { name: 'Create risk' }).click();
      await page.waitForURL(/\/risks\/\d+$/);
      state.riskId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.getByRole('heading', { level: 1, name: `#${state.riskId} ${state.title}` }).waitFor();

      await page.goto(`/risks?q=${encodeURIComponent(state.title)}`);
      const link = page.getByRole('link', { name: state.title, exact: true });
      await link.waitFor();
      await shot(page, '02-list-search');

      const afterCount = await openRisksCount(page);
      assert.equal(afterCount, before + 1, `open risks: before ${before}, after ${afterCount}`);
      await shot(page, '02-dashboard');
    } finally {
      await ctx.close();
    }
  });

  test('3. edit the title; the history shows old -> new', async () => {
    assert.ok(state.riskId, 'needs the risk of scenario 2');
    const ctx = await newContext();
    const page = await ctx.newPage();
    try {
      await login(page, RISK);
      // A moment strictly after the creation and strictly before the edit (second resolution).
      await sleep(1200);
      state.beforeEdit = new Date(Math.floor(Date.now() / 1000) * 1000);
      await sleep(1200);
      await page.goto(`/risks/${state.riskId}`);
      await page.getByRole('link', { name: 'Edit' }).click();
      await page.getByRole('heading', { level: 1, name: `Edit risk #${state.riskId}` }).waitFor();
      const title = page.getByRole('textbox', { name: 'Title' });
      await page.waitForFunction((t) => document.querySelector('input[maxlength="200"]')?.value === t, state.title);
      state.newTitle = `${state.title} (edited)`;
      await title.fill(state.newTitle);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('heading', { level: 1, name: `#${state.riskId} ${state.newTitle}` }).waitFor();
      const history = page.locator('section[aria-labelledby="history-title"]');
      const change = history.getByRole('listitem').filter({ hasText: `${state.title}` }).filter({ hasText: state.newTitle });
      await change.first().waitFor();
      const text = await change.first().textContent();
      assert.match(text, /title/);
      assert.ok(text.indexOf(state.title) < text.lastIndexOf(state.newTitle), `history line: ${text}`);
      assert.match(text, /→/);
      await shot(page, '03-history');
    } finally {
      await ctx.close();
    }
  });

  test('4. view as of a time before the edit shows the old title', async () => {
    assert.ok(state.beforeEdit, 'needs scenario 3');
    const ctx = await newContext();
    const page = await ctx.newPage();
    try {
      await login(page, RISK);
      await page.goto(`/risks/${state.riskId}`);
      await page.getByRole('heading', { level: 1, name: `#${state.riskId} ${state.newTitle}` }).waitFor();
      await page.getByLabel('View as of (your local time)').fill(localValue(state.beforeEdit));
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await page.waitForURL(/as_of=/);
      await page.getByText('Historical view').waitFor();
      // Title isn't part of RiskDetails; the as-of fetch is checked through the API response and the page.
      const asOf = new URL(page.url()).searchParams.get('as_of');
      assert.equal(new Date(asOf).getTime(), state.beforeEdit.getTime());
      const shown = await page.evaluate(
        async ([id, at]) => (await (await fetch(`/api/risks/${id}?as_of=${encodeURIComponent(at)}`)).json()).data.title,
        [state.riskId, asOf],
      );
      assert.equal(shown, state.title);
      const visible = page.getByText(state.title, { exact: true });
      const oldTitleVisible = (await visible.count()) > 0 || (await page.getByText(`#${state.riskId} ${state.title}`, { exact: true }).count()) > 0;
      await shot(page, '04-as-of');
      assert.ok(
        oldTitleVisible,
        `the historical view does not display the old title "${state.title}" (the page heading shows the current title, and the as-of details omit the title)`,
      );
    } finally {
      await ctx.close();
    }
  });

  test('5. the viewer sees no Create/Edit/Delete', async () => {
    assert.ok(state.riskId, 'needs the risk of scenario 2');
    const ctx = await newContext();
    const page = await ctx.newPage();
    try {
      await login(page, VIEWER);
      await page.goto('/risks');
      await page.getByRole('heading', { level: 1, name: 'Risks' }).waitFor();
      await page.getByRole('link', { name: state.newTitle ?? state.title }).first().waitFor().catch(() => {});
      await page.locator('tbody tr').first().waitFor();
      for (const name of ['New risk', 'Create risk', 'Edit', 'Delete']) {
        assert.equal(await page.getByRole('button', { name }).count(), 0, `list: button ${name}`);
        assert.equal(await page.getByRole('link', { name, exact: true }).count(), 0, `list: link ${name}`);
      }
      await shot(page, '05-viewer-list');
      await page.goto(`/risks/${state.riskId}`);
      await page.getByRole('heading', { level: 1, name: new RegExp(`^#${state.riskId} `) }).waitFor();
      await page.getByRole('heading', { name: 'History' }).waitFor();
      for (const name of ['Edit', 'Delete', 'Add response', 'Map control']) {
        assert.equal(await page.getByRole('button', { name }).count(), 0, `risk page: button ${name}`);
        assert.equal(await page.getByRole('link', { name, exact: true }).count(), 0, `risk page: link ${name}`);
      }
      await shot(page, '05-viewer-risk');
      // The form itself sends a viewer back to the risk.
      await page.goto(`/risks/${state.riskId}/edit`);
      await page.waitForURL(new RegExp(`/risks/${state.riskId}$`));
    } finally {
      await ctx.close();
    }
  });

  test('6. concurrent edit: the second save shows the conflict and offers a reload', async () => {
    assert.ok(state.riskId, 'needs the risk of scenario 2');
    const c1 = await newContext();
    const c2 = await newContext();
    try {
      const p1 = await c1.newPage();
      const p2 = await c2.newPage();
      await login(p1, RISK);
      await login(p2, RISK);
      const current = state.newTitle ?? state.title;
      for (const p of [p1, p2]) {
        await p.goto(`/risks/${state.riskId}/edit`);
        await p.getByRole('heading', { level: 1, name: `Edit risk #${state.riskId}` }).waitFor();
        await p.waitForFunction((t) => document.querySelector('input[maxlength="200"]')?.value === t, current);
      }
      const first = `${current} [first]`;
      await p1.getByRole('textbox', { name: 'Title' }).fill(first);
      await p1.getByRole('button', { name: 'Save changes' }).click();
      await p1.getByRole('heading', { level: 1, name: `#${state.riskId} ${first}` }).waitFor();

      await p2.getByRole('textbox', { name: 'Title' }).fill(`${current} [second]`);
      await p2.getByRole('button', { name: 'Save changes' }).click();
      const alert = p2.getByRole('alert').filter({ hasText: 'Someone else changed this risk' });
      await alert.waitFor();
      const reload = alert.getByRole('button', { name: 'Reload the risk' });
      await reload.waitFor();
      await shot(p2, '06-conflict');
      await reload.click();
      await p2.waitForFunction((t) => document.querySelector('input[maxlength="200"]')?.value === t, first);
      assert.equal(await alert.count(), 0);
      await shot(p2, '06-after-reload');
      state.newTitle = first;
    } finally {
      await c1.close();
      await c2.close();
    }
  });

  test('7. accessibility: no serious or critical axe violations', async () => {
    assert.ok(state.riskId, 'needs the risk of scenario 2');
    const ctx = await newContext();
    const page = await ctx.newPage();
    const found = [];
    try {
      await page.goto('/login');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      found.push(...(await axe(page, 'login')));
      await shot(page, '07-a11y-login');

      await login(page, RISK);
      await page.getByRole('heading', { name: 'Risk heat map' }).waitFor();
      await page.locator('canvas').first().waitFor();
      await page.getByRole('heading', { name: 'Open risks by category' }).waitFor();
      await sleep(500);
      found.push(...(await axe(page, 'dashboard')));
      await shot(page, '07-a11y-dashboard');

      await page.goto('/risks');
      await page.locator('tbody tr').first().waitFor();
      found.push(...(await axe(page, 'risks list')));
      await shot(page, '07-a11y-list');

      await page.goto(`/risks/${state.riskId}`);
      await page.getByRole('heading', { name: 'History' }).waitFor();
      await page.locator('section[aria-labelledby="history-title"] li').first().waitFor();
      found.push(...(await axe(page, 'risk page')));
      await shot(page, '07-a11y-risk');

      // The API reference renders the server's own OpenAPI document (bundled renderer).
      await page.goto('/api/docs');
      await page.locator('.swagger-ui .info .title').first().waitFor({ timeout: 20_000 });
      assert.match(await page.locator('.swagger-ui .info .title').first().innerText(), /Strata/);
      found.push(...(await axe(page, 'api reference')));
      await shot(page, '07-api-docs');

      await page.goto(`/risks/${state.riskId}/edit`);
      await page.getByRole('button', { name: 'Save changes' }).waitFor();
      found.push(...(await axe(page, 'risk form (edit)')));
      await page.goto('/risks/new');
      await page.getByRole('button', { name: 'Create risk' }).waitFor();
      found.push(...(await axe(page, 'risk form (new)')));
      await shot(page, '07-a11y-form');
    } finally {
      await ctx.close();
    }
    writeFileSync(path.join(shots, 'axe-violations.json'), JSON.stringify(found, null, 2) + '\n');
    if (found.length) console.log('axe serious/critical violations:\n' + JSON.stringify(found, null, 2));
    assert.deepEqual(
      found.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });

  test('8. a phone-sized window: the screens fit and stay accessible', async () => {
    assert.ok(state.riskId, 'needs the risk of scenario 2');
    const ctx = await h.newContext({ width: 390, height: 844 });
    const page = await ctx.newPage();
    const found = [];
    try {
      await login(page, RISK);
      await page.getByRole('heading', { name: 'Risk heat map' }).waitFor();
      await sleep(500);
      for (const [name, url, ready] of [
        ['dashboard', '/', 'Risk heat map'],
        ['risks list', '/risks', null],
        ['risk page', `/risks/${state.riskId}`, 'History'],
      ]) {
        await page.goto(url);
        if (ready) await page.getByRole('heading', { name: ready }).waitFor();
        else await page.locator('tbody tr').first().waitFor();
        // Nothing wider than the window: a page that scrolls sideways is unreadable on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${name} is ${overflow}px wider than a 390px window`);
        found.push(...(await axe(page, `${name} (phone)`)));
        await shot(page, `08-phone-${name.replace(' ', '-')}`);
      }
    } finally {
      await ctx.close();
    }
    assert.deepEqual(
      found.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });
  test('9. a database outage shows "reconnecting" and keeps the user signed in', async () => {
    const found = [];
    const ctx = await newContext();
    const page = await ctx.newPage();
    try {
      await login(page, RISK);
      await page.goto('/risks');
      await page.locator('tbody tr').first().waitFor();
      // The API answers as it does while its database restarts.
      const outage = (route) =>
        route.fulfill({
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '2' },
          body: JSON.stringify({ success: false, error: { code: 'SERVER_ERROR', message: 'briefly unavailable', request_id: 'e2e' } }),
        });
      await page.route('**/api/**', outage);
      await page.route('**/readyz', outage);
      await page.goto('/controls');
      await page.getByText('Reconnecting to the server').waitFor();
      assert.ok(!page.url().includes('/login'), `sent to ${page.url()} during the outage`);
      found.push(...(await axe(page, 'reconnecting notice')));
      await shot(page, '09-reconnecting');
      await page.unroute('**/api/**', outage);
      await page.unroute('**/readyz', outage);
      await page.getByText('Reconnecting to the server').waitFor({ state: 'detached' });
      await page.getByRole('heading', { level: 1, name: 'Controls' }).waitFor();
      assert.ok(!page.url().includes('/login'), `sent to ${page.url()} after the outage`);
    } finally {
      await ctx.close();
    }
    assert.deepEqual(found.map((f) => `${f.page}: ${f.id} (${f.impact}) ${f.nodes.join(' | ')}`), [], 'serious/critical axe violations');
  });
});
