// End-to-end tests of the control library: controls, tests and effectiveness, framework
// import and coverage, risk mappings, permissions, accessibility and a phone-sized window.
// Same harness as strata.e2e.test.mjs (helpers.mjs): a real bin/strata on a fresh database
// with the demo seed, in Debian's chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPLIANCE, RISK, VIEWER, axe, createHarness, login, pickSelect, shot, shots, sleep } from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

/** Shared state between the scenarios (they run in order). */
const state = {
  controlId: null,
  code: `E2E-${suffix}`,
  title: `End-to-end backup restore check ${suffix}`,
  frameworkId: null,
  frameworkName: `E2E Checklist ${suffix}`,
  riskId: null,
};

/** Runs fn with a fresh page in a fresh browser context, closing both afterwards. */
async function withPage(fn, viewport) {
  const ctx = await h.newContext(viewport);
  const page = await ctx.newPage();
  try {
    return await fn(page);
  } finally {
    await ctx.close();
  }
}

/** GET /api/… in the page's session (for ids and checks the screens do not show). */
async function apiGet(page, url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u);
    return (await r.json()).data;
  }, url);
}

const effectivenessField = (page) =>
  page.locator('dl div').filter({ has: page.locator('dt', { hasText: /^Effectiveness$/ }) });

describe('control library e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. the compliance manager creates a control (field errors first)', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByRole('link', { name: 'Controls', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Controls' }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      await page.getByRole('link', { name: 'New control' }).click();
      await page.getByRole('heading', { level: 1, name: 'New control' }).waitFor();

      // Without a title the API's field error appears beside the field.
      await page.getByRole('textbox', { name: 'Code' }).fill(state.code);
      await page.getByRole('button', { name: 'Create control' }).click();
      const title = page.getByRole('textbox', { name: 'Title' });
      await page.waitForFunction(
        () => document.querySelector('input[maxlength="300"]')?.getAttribute('aria-invalid') === 'true',
      );
      assert.equal(await title.getAttribute('aria-invalid'), 'true');
      await page.getByText('is required').first().waitFor();
      await shot(page, 'c01-create-field-error');

      await title.fill(state.title);
      await page
        .getByRole('textbox', { name: 'Description' })
        .fill('Restore one backup a month and compare checksums.');
      await pickSelect(page, 'Status', 'Active');
      await pickSelect(page, 'Type', 'Detective');
      await pickSelect(page, 'Frequency', 'Monthly');
      await page.getByRole('button', { name: 'Create control' }).click();
      await page.waitForURL(/\/controls\/\d+$/);
      state.controlId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.getByRole('heading', { level: 1, name: `${state.code} ${state.title}` }).waitFor();
      assert.equal((await effectivenessField(page).locator('dd').textContent()).trim(), 'Not Tested');
      await shot(page, 'c01-control-created');

      // It is in the list, found by the search in the URL.
      await page.goto(`/controls?q=${encodeURIComponent(state.code)}`);
      await page.getByRole('link', { name: state.code, exact: true }).waitFor();
      const row = page.locator('tbody tr').filter({ hasText: state.code });
      assert.match(await row.textContent(), /Active[\s\S]*Not Tested[\s\S]*Detective[\s\S]*Monthly[\s\S]*Never/);
    });
  });

  test('2. a failing test makes the control Ineffective, and the history names the test', async () => {
    assert.ok(state.controlId, 'needs the control of scenario 1');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.goto(`/controls/${state.controlId}`);
      await page.getByRole('heading', { level: 1, name: `${state.code} ${state.title}` }).waitFor();
      await page.getByRole('button', { name: 'Record test' }).click();
      const dialog = page.getByRole('dialog', { name: `Record a test of ${state.code}` });
      await dialog.waitFor();
      // tested_at defaults to now.
      const testedAt = await dialog.getByLabel(/Tested at/).inputValue();
      assert.ok(Math.abs(new Date(`${testedAt}Z`).getTime() - Date.now()) < 5 * 60_000, `tested_at ${testedAt}`);
      await pickSelect(page, 'Result', 'Fail', dialog);
      await dialog
        .getByRole('textbox', { name: 'Notes' })
        .fill('Restore of the March backup failed: checksum mismatch.');
      await shot(page, 'c02-record-test');
      await dialog.getByRole('button', { name: 'Save test' }).click();
      await dialog.waitFor({ state: 'hidden' });

      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('dl div')]
            .find((d) => d.querySelector('dt')?.textContent === 'Effectiveness')
            ?.querySelector('dd')
            ?.textContent.trim() === 'Ineffective',
      );
      const tests = page.getByRole('region', { name: 'Tests' });
      const testRow = tests.locator('tbody tr').first();
      await testRow.waitFor();
      assert.match(await testRow.textContent(), /Fail[\s\S]*checksum mismatch[\s\S]*Priya Raman/);
      const testId = Number((await testRow.locator('td').first().innerText()).replace('#', ''));
      assert.ok(testId > 0);

      const history = page.getByRole('region', { name: 'Effectiveness history' });
      const change = history.locator('tbody tr').first();
      const text = await change.textContent();
      assert.match(text, /Not Tested → Ineffective/);
      assert.match(text, new RegExp(`Test #${testId} \\(Fail\\)`));
      // The audit trail shows both events.
      const trail = page.locator('section[aria-labelledby="history-title"]');
      await trail.getByText('Test recorded').waitFor();
      await trail.getByText('Effectiveness changed').first().waitFor();
      await shot(page, 'c02-ineffective');
    });
  });

  test('3. a person changes the effectiveness with notes (notes are required)', async () => {
    assert.ok(state.controlId, 'needs the control of scenario 1');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.goto(`/controls/${state.controlId}`);
      await page.getByRole('heading', { level: 1, name: `${state.code} ${state.title}` }).waitFor();
      await page.getByRole('button', { name: 'Change effectiveness' }).click();
      const dialog = page.getByRole('dialog', { name: `Change the effectiveness of ${state.code}` });
      await dialog.waitFor();
      await pickSelect(page, 'Effectiveness', 'Partially Effective', dialog);
      await dialog.getByRole('button', { name: 'Save effectiveness' }).click();
      // The API refuses a change without notes; its field error shows beside the notes.
      await page.waitForFunction(
        () => document.querySelector('[role="dialog"] textarea')?.getAttribute('aria-invalid') === 'true',
      );
      await dialog.getByText('is required').waitFor();
      await shot(page, 'c03-notes-required');
      const notes = 'Weekly manual restore drill compensates until the checksum job is fixed.';
      await dialog.getByRole('textbox', { name: 'Notes' }).fill(notes);
      await dialog.getByRole('button', { name: 'Save effectiveness' }).click();
      await dialog.waitFor({ state: 'hidden' });

      const history = page.getByRole('region', { name: 'Effectiveness history' });
      const latest = history.locator('tbody tr').filter({ hasText: 'Ineffective → Partially Effective' });
      await latest.waitFor();
      const text = await latest.textContent();
      assert.match(text, /Priya Raman/);
      assert.match(text, /Weekly manual restore drill/);
      assert.doesNotMatch(text, /Test #/);
      assert.equal((await effectivenessField(page).locator('dd').textContent()).trim(), 'Partially Effective');
      await shot(page, 'c03-partially-effective');
    });
  });

  test('4. framework import: a bad row is reported by line, a good file is imported and its coverage shown', async () => {
    assert.ok(state.controlId, 'needs the control of scenario 1');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByRole('link', { name: 'Frameworks', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Frameworks' }).waitFor();
      // The demo seed's two frameworks are listed with their requirement counts.
      await page.getByRole('link', { name: 'Strata Baseline Security' }).waitFor();
      await page.getByRole('link', { name: 'Vendor Data Protection Checklist' }).waitFor();

      const header = 'framework,version,code,title,description';
      const row = (code, title) => `${state.frameworkName},1.0,${code},${title},`;
      const bad = [
        header,
        row('EC-1', 'Backups are restorable'),
        row('EC-2', ''),
        row('EC-3', 'Restores are logged'),
      ].join('\n');
      await page.getByRole('button', { name: 'Import' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import a framework' });
      await dialog.waitFor();
      await dialog
        .locator('input[type="file"]')
        .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      const problems = dialog.getByRole('list', { name: 'Problems in the file' });
      await problems.waitFor();
      const items = await problems.getByRole('listitem').allInnerTexts();
      assert.equal(items.length, 1, items.join(' | '));
      assert.match(items[0], /^Line 3: .*title/i);
      await shot(page, 'c04-import-line-error');

      const good = [
        header,
        row('EC-1', 'Backups are restorable'),
        row('EC-2', 'Restore tests are recorded'),
        row('EC-3', 'Restores are logged'),
      ].join('\n');
      await dialog
        .locator('input[type="file"]')
        .setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      await page.waitForURL(/\/frameworks\/\d+$/);
      state.frameworkId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.getByRole('heading', { level: 1, name: `${state.frameworkName} (1.0)` }).waitFor();
      const reqs = page.getByRole('region', { name: 'Requirements' });
      await reqs.getByRole('cell', { name: 'EC-2', exact: true }).waitFor();
      const coverage = page.getByRole('region', { name: 'Coverage' });
      await coverage.getByText('0 of 3 requirements covered').waitFor();
      await coverage.getByText('0% covered').waitFor();
      await shot(page, 'c04-imported-coverage-0');

      // Map the control to EC-1 and rate it Effective: the requirement becomes covered.
      await page.goto(`/controls/${state.controlId}`);
      const reqSection = page.getByRole('region', { name: 'Requirements' });
      await reqSection.waitFor();
      await pickSelect(page, 'Framework', `${state.frameworkName} (1.0)`, reqSection);
      await pickSelect(page, 'Requirement', 'EC-1 — Backups are restorable', reqSection);
      await reqSection.getByRole('button', { name: 'Map requirement' }).click();
      await reqSection.getByRole('link', { name: state.frameworkName }).waitFor();
      await page.getByRole('button', { name: 'Change effectiveness' }).click();
      const dialog2 = page.getByRole('dialog', { name: `Change the effectiveness of ${state.code}` });
      await pickSelect(page, 'Effectiveness', 'Effective', dialog2);
      await dialog2.getByRole('textbox', { name: 'Notes' }).fill('Checksum job fixed; three clean restores.');
      await dialog2.getByRole('button', { name: 'Save effectiveness' }).click();
      await dialog2.waitFor({ state: 'hidden' });

      await page.goto(`/frameworks/${state.frameworkId}`);
      await coverage.getByText('1 of 3 requirements covered').waitFor();
      await coverage.getByText('33.3% covered').waitFor();
      const covered = coverage.locator('tbody tr').filter({ hasText: 'EC-1' });
      assert.match(await covered.textContent(), /Yes/);
      const link = covered.getByRole('link', { name: `${state.code} ${state.title}` });
      assert.equal(await link.getAttribute('href'), `/controls/${state.controlId}`);
      assert.match(await coverage.locator('tbody tr').filter({ hasText: 'EC-2' }).textContent(), /No/);
      await shot(page, 'c04-coverage');
    });
  });

  test('5. the risk manager maps the control from a risk page; an archived control is refused', async () => {
    assert.ok(state.controlId, 'needs the control of scenario 1');
    await withPage(async (page) => {
      await login(page, RISK);
      const risks = await apiGet(page, '/api/risks?limit=50');
      const risk = risks.find((r) => !r.control_ids.includes(state.controlId));
      state.riskId = risk.id;
      const archived = (await apiGet(page, '/api/controls?status=Archived&limit=1'))[0];
      assert.ok(archived, 'the demo seed has an archived control');

      await page.goto(`/risks/${state.riskId}`);
      const section = page.getByRole('region', { name: 'Controls' });
      await section.waitFor();
      await shot(page, 'c05-risk-before');
      const picker = section.getByRole('textbox', { name: 'Control to map' });

      // An archived control: the API's field error is shown beside the picker.
      await picker.click();
      await picker.fill(archived.code);
      await page.getByRole('option', { name: `${archived.code} — ${archived.title} (Archived)` }).click();
      await section.getByRole('button', { name: 'Map control' }).click();
      await page.waitForFunction(
        () => document.querySelector('input[aria-invalid="true"][placeholder="Search controls"]') !== null,
      );
      const error = await picker.evaluate((el) =>
        (el.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' '),
      );
      assert.match(error, /archived/i, `field error: ${error}`);
      await shot(page, 'c05-archived-refused');

      await picker.click();
      await picker.fill(state.code);
      await page.getByRole('option', { name: `${state.code} — ${state.title}`, exact: true }).click();
      await section.getByRole('button', { name: 'Map control' }).click();
      const row = section.locator('tbody tr').filter({ hasText: state.code });
      await row.waitFor();
      assert.match(await row.textContent(), /Active[\s\S]*Effective/);
      assert.equal(
        await row.getByRole('link', { name: state.code }).getAttribute('href'),
        `/controls/${state.controlId}`,
      );
      await section.getByRole('button', { name: `Unmap control ${state.code}` }).waitFor();
      await shot(page, 'c05-risk-mapped');

      // The control lists the risk.
      await page.goto(`/controls/${state.controlId}`);
      await page
        .getByRole('region', { name: 'Mapped risks' })
        .getByRole('link', { name: new RegExp(`^#${state.riskId} `) })
        .waitFor();
    });
  });

  test('6. the viewer sees no write buttons', async () => {
    assert.ok(state.controlId && state.frameworkId && state.riskId, 'needs scenarios 1, 4 and 5');
    await withPage(async (page) => {
      await login(page, VIEWER);
      const absent = async (where, names) => {
        for (const name of names) {
          assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `${where}: button ${name}`);
          assert.equal(await page.getByRole('link', { name, exact: true }).count(), 0, `${where}: link ${name}`);
        }
      };
      await page.goto('/controls');
      await page.locator('tbody tr').first().waitFor();
      await absent('controls list', ['New control']);
      await page.goto(`/controls/${state.controlId}`);
      await page
        .getByRole('region', { name: 'Requirements' })
        .getByRole('link', { name: state.frameworkName })
        .waitFor();
      await absent('control page', ['Edit', 'Record test', 'Change effectiveness', 'Map requirement', 'Unmap']);
      assert.equal(await page.getByRole('button', { name: /^Unmap/ }).count(), 0);
      await shot(page, 'c06-viewer-control');
      await page.goto('/frameworks');
      await page.locator('tbody tr').first().waitFor();
      await absent('frameworks list', ['New framework', 'Import']);
      await page.goto(`/frameworks/${state.frameworkId}`);
      await page
        .getByRole('region', { name: 'Coverage' })
        .getByText(/requirements covered/)
        .waitFor();
      await absent('framework page', ['Add requirement']);
      await page.goto(`/risks/${state.riskId}`);
      await page.getByRole('region', { name: 'Controls' }).locator('tbody tr').first().waitFor();
      await absent('risk page', ['Map control']);
      assert.equal(await page.getByRole('button', { name: /^Unmap/ }).count(), 0);
      // The forms send a viewer back.
      await page.goto('/controls/new');
      await page.waitForURL(/\/controls$/);
      await page.goto(`/controls/${state.controlId}/edit`);
      await page.waitForURL(new RegExp(`/controls/${state.controlId}$`));
    });
  });

  test('7. dashboard: control cards and the effectiveness chart', async () => {
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      const card = page.locator('a.mantine-Card-root[href="/controls?status=Active&effectiveness=Ineffective"]');
      await card.getByText('Active controls rated Ineffective').waitFor();
      await page.waitForFunction(
        (el) => /^\d+$/.test(el.textContent.trim()),
        await card.locator('p').nth(1).elementHandle(),
      );
      const counts = await apiGet(page, '/api/dashboard');
      assert.equal(Number((await card.locator('p').nth(1).innerText()).trim()), counts.controls_ineffective);
      const active = page.locator('a.mantine-Card-root[href="/controls?status=Active"]');
      assert.equal(Number((await active.locator('p').nth(1).innerText()).trim()), counts.controls_active);
      const chart = page
        .locator('.mantine-Card-root')
        .filter({ has: page.getByRole('heading', { name: 'Controls by effectiveness' }) });
      await chart.locator('canvas').waitFor();
      await sleep(500);
      await shot(page, 'c07-dashboard');
      await card.click();
      await page.waitForURL(/\/controls\?status=Active&effectiveness=Ineffective$/);
      await page.getByText(`${counts.controls_ineffective} matching control`).waitFor();
      await shot(page, 'c07-ineffective-list');
    });
  });

  test('8. accessibility: no serious or critical axe violations on the new screens', async () => {
    assert.ok(state.controlId && state.frameworkId && state.riskId, 'needs scenarios 1, 4 and 5');
    const found = [];
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await page.getByRole('heading', { name: 'Controls by effectiveness' }).waitFor();
      await page.locator('canvas').first().waitFor();
      await sleep(500);
      found.push(...(await axe(page, 'dashboard')));

      await page.goto('/controls');
      await page.locator('tbody tr').first().waitFor();
      found.push(...(await axe(page, 'controls list')));
      await shot(page, 'c08-a11y-controls');

      await page.goto(`/controls/${state.controlId}`);
      await page.locator('section[aria-labelledby="history-title"] li').first().waitFor();
      found.push(...(await axe(page, 'control page')));
      await shot(page, 'c08-a11y-control');

      await page.getByRole('button', { name: 'Record test' }).click();
      await page.getByRole('dialog').waitFor();
      await sleep(300);
      found.push(...(await axe(page, 'record test dialog')));
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Change effectiveness' }).click();
      await page.getByRole('dialog').waitFor();
      await sleep(300);
      found.push(...(await axe(page, 'effectiveness dialog')));
      await page.keyboard.press('Escape');

      await page.goto(`/controls/${state.controlId}?as_of=${encodeURIComponent(new Date().toISOString())}`);
      await page.getByText('Historical view').waitFor();
      await page.getByRole('region', { name: 'Effectiveness history' }).first().waitFor();
      found.push(...(await axe(page, 'control as of')));

      await page.goto('/controls/new');
      await page.getByRole('button', { name: 'Create control' }).waitFor();
      found.push(...(await axe(page, 'control form (new)')));
      // Field errors must stay readable too.
      await page.getByRole('button', { name: 'Create control' }).click();
      await page.getByText('is required').first().waitFor();
      found.push(...(await axe(page, 'control form with field errors')));
      await shot(page, 'c08-a11y-form-errors');
      await page.goto(`/controls/${state.controlId}/edit`);
      await page.getByRole('button', { name: 'Save changes' }).waitFor();
      found.push(...(await axe(page, 'control form (edit)')));

      await page.goto('/frameworks');
      await page.locator('tbody tr').first().waitFor();
      found.push(...(await axe(page, 'frameworks list')));
      await page.getByRole('button', { name: 'Import' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import a framework' });
      await dialog.waitFor();
      await dialog
        .locator('input[type="file"]')
        .setInputFiles({
          name: 'bad.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from('framework,version,code,title\nX,1,,\n'),
        });
      await dialog.getByRole('button', { name: 'Import', exact: true }).click();
      await dialog.getByRole('list', { name: 'Problems in the file' }).waitFor();
      found.push(...(await axe(page, 'import dialog with errors')));
      await shot(page, 'c08-a11y-import');
      await page.keyboard.press('Escape');

      await page.goto(`/frameworks/${state.frameworkId}`);
      await page
        .getByRole('region', { name: 'Coverage' })
        .getByText(/requirements covered/)
        .waitFor();
      found.push(...(await axe(page, 'framework page')));
      await shot(page, 'c08-a11y-framework');
    });
    await withPage(async (page) => {
      await login(page, RISK);
      await page.goto(`/risks/${state.riskId}`);
      await page.getByRole('region', { name: 'Controls' }).locator('tbody tr').first().waitFor();
      await page.locator('section[aria-labelledby="history-title"] li').first().waitFor();
      found.push(...(await axe(page, 'risk page with controls')));
      await shot(page, 'c08-a11y-risk');
    });
    writeFileSync(path.join(shots, 'axe-violations-controls.json'), JSON.stringify(found, null, 2) + '\n');
    if (found.length) console.log('axe serious/critical violations:\n' + JSON.stringify(found, null, 2));
    assert.deepEqual(
      found.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });

  test('9. a phone-sized window: the controls list fits and stays accessible', async () => {
    await withPage(
      async (page) => {
        await login(page, COMPLIANCE);
        await page.goto('/controls?status=Active');
        await page.locator('tbody tr').first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the controls list is ${overflow}px wider than a 390px window`);
        const found = await axe(page, 'controls list (phone)');
        await shot(page, 'c09-phone-controls');
        assert.deepEqual(
          found.map((f) => `${f.page}: ${f.id} (${f.impact})`),
          [],
          'serious/critical axe violations',
        );
      },
      { width: 390, height: 844 },
    );
  });

  test('10. edit: status changes through the form; a concurrent edit shows the conflict and offers a reload', async () => {
    assert.ok(state.controlId, 'needs the control of scenario 1');
    const c1 = await h.newContext();
    const c2 = await h.newContext();
    try {
      const p1 = await c1.newPage();
      const p2 = await c2.newPage();
      await login(p1, COMPLIANCE);
      await login(p2, COMPLIANCE);
      for (const p of [p1, p2]) {
        await p.goto(`/controls/${state.controlId}/edit`);
        await p.getByRole('heading', { level: 1, name: `Edit control ${state.code}` }).waitFor();
        await p.waitForFunction((t) => document.querySelector('input[maxlength="300"]')?.value === t, state.title);
      }
      const first = `${state.title} [first]`;
      await p1.getByRole('textbox', { name: 'Title' }).fill(first);
      await pickSelect(p1, 'Status', 'Archived');
      await p1.getByRole('button', { name: 'Save changes' }).click();
      await p1.getByRole('heading', { level: 1, name: `${state.code} ${first}` }).waitFor();
      const status = p1.locator('dl div').filter({ has: p1.locator('dt', { hasText: /^Status$/ }) });
      assert.equal((await status.locator('dd').textContent()).trim(), 'Archived');
      const trail = p1.locator('section[aria-labelledby="history-title"]');
      await trail.getByText('Active → Archived').first().waitFor();

      await p2.getByRole('textbox', { name: 'Title' }).fill(`${state.title} [second]`);
      await p2.getByRole('button', { name: 'Save changes' }).click();
      const alert = p2.getByRole('alert').filter({ hasText: 'Someone else changed this control' });
      await alert.waitFor();
      await shot(p2, 'c10-conflict');
      await alert.getByRole('button', { name: 'Reload the control' }).click();
      await p2.waitForFunction((t) => document.querySelector('input[maxlength="300"]')?.value === t, first);
      assert.equal(await alert.count(), 0);
    } finally {
      await c1.close();
      await c2.close();
    }
  });
});
