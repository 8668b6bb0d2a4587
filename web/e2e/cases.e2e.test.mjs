// End-to-end tests of investigations: a case opened, assigned and investigated, a file
// uploaded, downloaded and verified with its chain of custody, the case completed; the
// list, board and dashboard; who sees cases at all; accessibility of every new page.
// Same harness as the other files (helpers.mjs): a real bin/strata on a fresh database
// with the demo seed, in Debian's chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN, AUDITOR, VIEWER, axe, createHarness, login, pickSelect, shot, shots, sleep } from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

/** Demo people of cmd/strata/seed.go. */
const INVESTIGATOR = { email: 'investigator@northwind.example', password: 'demo-investigator-pass' };
const INVESTIGATOR_NAME = 'Helen Park';
const ADMIN_NAME = 'Dana Whitfield';
const VIEWER_NAME = 'Sam Okafor';
const AUDITOR_NAME = 'Tomás Ferreira';

/** The evidence file of the scenarios: text with random bytes, so its hash is its own. */
const fileBytes = Buffer.concat([
  Buffer.from(`Bank statement extract ${suffix}\n`),
  Buffer.from(randomBytes(48 * 1024).toString('base64')),
  Buffer.from('\n'),
]);
const fileName = `statement-${suffix}.txt`;
const fileSha = createHash('sha256').update(fileBytes).digest('hex');

/** Shared state between the scenarios (they run in order). */
const state = {
  caseId: null,
  title: `E2E duplicate refunds ${suffix}`,
  /** Serious and critical axe violations found along the way; the last scenario asserts there are none. */
  axe: [],
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

/** A call to the API in the page's session (for checks the screens do not show). */
async function apiCall(page, url, init = {}) {
  return page.evaluate(
    async ([u, i]) => {
      const r = await fetch(u, {
        ...i,
        headers: i.body ? { 'Content-Type': 'application/json', ...(i.headers ?? {}) } : i.headers,
      });
      const text = await r.text();
      let json = {};
      try {
        json = JSON.parse(text);
      } catch {
        json = { text };
      }
      return { status: r.status, contentType: r.headers.get('Content-Type'), ...json };
    },
    [url, init],
  );
}
const apiGet = async (page, url) => (await apiCall(page, url)).data;

async function check(page, name) {
  state.axe.push(...(await axe(page, name)));
}

/** The text of a detail field (a dt/dd pair) of the page. */
async function field(page, label) {
  const dd = page.locator('dl div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });
  return (await dd.locator('dd').textContent()).trim();
}

/** Waits until the detail field reads `want` (the page refetches after a write). */
async function waitField(page, label, want) {
  const dd = page
    .locator('dl div')
    .filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
    .locator('dd');
  await page.waitForFunction(([el, w]) => el.textContent.trim().startsWith(w), [await dd.elementHandle(), want]);
}

async function openCase(page) {
  await page.goto(`/cases/${state.caseId}`);
  await page.getByRole('heading', { level: 1, name: `#${state.caseId} ${state.title}` }).waitFor();
}

const evidenceRow = (page) => page.locator('tbody tr').filter({ hasText: fileName }).first();
const history = (page) => page.locator('section[aria-labelledby="history-title"]');

/** Opens a status move's dialog from its button on the case page. */
async function openMove(page, label) {
  await page.getByRole('button', { name: label, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `${label}: case #${state.caseId}` });
  await dialog.waitFor();
  return dialog;
}

async function navLinks(page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
}

describe('investigations e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. the investigator opens a confidential case (the title first) from the list', async () => {
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      assert.ok((await navLinks(page)).includes('Cases'), 'the investigator has Cases in the navigation');
      await page.getByRole('link', { name: 'Cases', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      await page.getByText(/\d+ matching cases? · page 1/).waitFor();
      await check(page, 'cases list');
      await shot(page, 'c01-list');

      await page.getByRole('link', { name: 'New case' }).click();
      await page.getByRole('heading', { level: 1, name: 'New case' }).waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Priority' }).inputValue(), 'Medium');
      await check(page, 'case form (new)');
      await page.getByRole('button', { name: 'Open case' }).click();
      await page.getByText('is required').first().waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).getAttribute('aria-invalid'), 'true');
      await check(page, 'case form with field errors');
      await shot(page, 'c01-title-required');

      await page.getByRole('textbox', { name: 'Title' }).fill(state.title);
      await page.getByRole('textbox', { name: 'Description' }).fill('Refunds paid twice to the same card.');
      await page.getByRole('textbox', { name: 'Type' }).fill('fraud');
      await pickSelect(page, 'Priority', 'Urgent');
      await page.getByRole('textbox', { name: 'Reporter' }).fill('Payments team');
      await page.getByRole('checkbox', { name: /Confidential/ }).check();
      await page.getByRole('button', { name: 'Open case' }).click();
      await page.waitForURL(/\/cases\/\d+$/);
      state.caseId = Number(new URL(page.url()).pathname.split('/').pop());
      await openCase(page);
      assert.equal(await field(page, 'Status'), 'New');
      assert.equal(await field(page, 'Priority'), 'Urgent');
      assert.equal(await field(page, 'Type'), 'fraud');
      assert.equal(await field(page, 'Confidential'), 'Yes');
      await page.getByText('Confidential', { exact: true }).first().waitFor();
      await history(page).getByText('Case opened').waitFor();
      // A new case offers exactly its legal moves.
      for (const name of ['Assign', 'Start investigation'])
        await page.getByRole('button', { name, exact: true }).waitFor();
      for (const name of ['Send for review', 'Complete', 'Reopen', 'Back to investigation']) {
        assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, name);
      }
      await shot(page, 'c01-opened');

      await page.goto(`/cases?q=${encodeURIComponent(state.title)}&confidential=true&priority=urgent`);
      const row = page.locator('tbody tr').filter({ hasText: state.title });
      await row.waitFor();
      await row.getByText('Confidential', { exact: true }).waitFor();
      await page.getByText('1 matching case').waitFor();
      await page.goto(`/cases?q=${encodeURIComponent(state.title)}&confidential=false`);
      await page.getByText('No cases match these filters.').waitFor();
    });
  });

  test('2. assigning: only investigators are offered; then the investigation starts', async () => {
    assert.ok(state.caseId, 'needs the case of scenario 1');
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      await openCase(page);
      const dialog = await openMove(page, 'Assign');
      await dialog.getByRole('button', { name: 'Assign', exact: true }).click();
      await dialog.getByText('Choose who investigates the case').waitFor();
      await dialog.getByRole('textbox', { name: 'Assignee' }).click();
      await page.getByRole('option', { name: ADMIN_NAME, exact: true }).waitFor();
      for (const name of [VIEWER_NAME, AUDITOR_NAME]) {
        assert.equal(await page.getByRole('option', { name, exact: true }).count(), 0, `${name} is not offered`);
      }
      await sleep(300);
      await check(page, 'assign dialog');
      await page.getByRole('option', { name: INVESTIGATOR_NAME, exact: true }).click();
      await dialog.getByRole('button', { name: 'Assign', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      await waitField(page, 'Status', 'Assigned');
      assert.match(await field(page, 'Assignee'), new RegExp(`^${INVESTIGATOR_NAME}`));

      const start = await openMove(page, 'Start investigation');
      assert.equal(await start.getByRole('textbox', { name: 'Assignee' }).count(), 0, 'the case has its assignee');
      await start.getByRole('button', { name: 'Start investigation' }).click();
      await start.waitFor({ state: 'hidden' });
      await waitField(page, 'Status', 'In progress');
      await page.getByRole('button', { name: 'Send for review', exact: true }).waitFor();
      await history(page).getByText('Case assigned').waitFor();
      await history(page).getByText('assigned → in_progress').first().waitFor();
      await shot(page, 'c02-in-progress');
    });
  });

  test('3. evidence: upload through the file input, the bar runs to the end, the row shows the hash', async () => {
    assert.ok(state.caseId, 'needs the case of scenario 1');
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      await openCase(page);
      const evidence = page.getByRole('region', { name: 'Evidence' });
      await evidence.getByText('No evidence yet.').waitFor();
      await check(page, 'case page (in progress, no evidence)');
      // Every value the bar takes, recorded in the page as it goes.
      await page.evaluate(() => {
        window.__progress = [];
        new MutationObserver(() => {
          for (const bar of document.querySelectorAll('[role="progressbar"]')) {
            const v = bar.getAttribute('aria-valuenow');
            if (window.__progress.at(-1) !== v) window.__progress.push(v);
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      await evidence
        .getByLabel('or choose one:')
        .setInputFiles({ name: fileName, mimeType: 'text/plain', buffer: fileBytes });
      await evidence.getByText(`Selected: ${fileName}`).waitFor();
      await evidence.getByRole('textbox', { name: 'File description' }).fill('Statement from the bank portal');
      await evidence.getByRole('button', { name: 'Upload file' }).click();
      await evidence.getByRole('progressbar', { name: `Uploaded ${fileName}` }).waitFor();
      assert.equal(
        await evidence.getByRole('progressbar', { name: `Uploaded ${fileName}` }).getAttribute('aria-valuenow'),
        '100',
      );
      await evidence.getByText('File uploaded').waitFor();
      const seen = await page.evaluate(() => window.__progress);
      assert.equal(seen.at(-1), '100', `the bar ends full (saw ${seen.join(', ')})`);

      const row = evidenceRow(page);
      await row.waitFor();
      const hash = row.locator('abbr[data-sha256]');
      assert.equal(await hash.getAttribute('title'), fileSha, 'the full hash is the file’s SHA-256');
      assert.equal((await hash.textContent()).trim(), `${fileSha.slice(0, 12)}…`);
      assert.match(await row.textContent(), /KiB/);
      await row.getByText('Statement from the bank portal').waitFor();
      await row.getByText(INVESTIGATOR_NAME).waitFor();
      await row.getByText('Not verified yet').waitFor();
      await waitField(page, 'Evidence', '1 file');
      const detail = await apiGet(page, `/api/cases/${state.caseId}`);
      assert.equal(detail.evidence.length, 1);
      assert.equal(detail.evidence[0].sha256, fileSha);
      assert.equal(detail.evidence[0].size, fileBytes.length);
      await check(page, 'case page with evidence');
      await shot(page, 'c03-uploaded');
    });
  });

  test('4. download with a reason: the same bytes; verify: match; custody lists all three, oldest first', async () => {
    assert.ok(state.caseId, 'needs the case of scenario 1');
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      await openCase(page);
      const row = evidenceRow(page);
      await row.getByRole('button', { name: `Download ${fileName}` }).click();
      const dialog = page.getByRole('dialog', { name: `Download ${fileName}` });
      await dialog.waitFor();
      await sleep(300);
      await check(page, 'download dialog');
      await dialog.getByRole('textbox', { name: 'Reason' }).fill(`Legal review ${suffix}`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        dialog.getByRole('button', { name: 'Download', exact: true }).click(),
      ]);
      assert.equal(download.suggestedFilename(), fileName);
      const got = readFileSync(await download.path());
      assert.equal(got.length, fileBytes.length);
      assert.equal(createHash('sha256').update(got).digest('hex'), fileSha);
      assert.ok(got.equals(fileBytes), 'the downloaded bytes are the uploaded ones');
      await dialog.waitFor({ state: 'hidden' });

      await row.getByRole('button', { name: `Verify ${fileName}` }).click();
      await row.getByText('Match: the stored file is intact').waitFor();
      await row.getByText('Intact (hash matches)').waitFor();

      await row.getByRole('button', { name: `Custody of ${fileName}` }).click();
      const custody = page.locator(`td[id^="custody-"]`);
      await custody.getByText('Verified: hash matches').waitFor();
      const titles = await custody.locator('.mantine-Timeline-itemTitle').allInnerTexts();
      assert.deepEqual(
        titles.map((t) => t.trim()),
        ['Uploaded', 'Downloaded', 'Verified: hash matches'],
      );
      await custody.getByText(`Reason: Legal review ${suffix}`).waitFor();
      assert.ok((await custody.getByText(INVESTIGATOR_NAME).count()) >= 3);
      await row.getByRole('button', { name: `Hide custody of ${fileName}` }).waitFor();
      await check(page, 'case page with custody');
      await shot(page, 'c04-custody');

      const csvLink = page.getByRole('link', { name: 'Export custody (CSV)' });
      assert.equal(await csvLink.getAttribute('href'), `/api/cases/${state.caseId}/custody.csv`);
      const csv = await apiCall(page, `/api/cases/${state.caseId}/custody.csv`);
      assert.equal(csv.status, 200);
      assert.match(csv.contentType, /text\/csv/);
      const lines = csv.text.trim().split('\n');
      assert.match(lines[0], /^at,evidence_id,file_name,action/);
      assert.deepEqual(
        lines.slice(1).map((l) => l.split(',')[3]),
        ['uploaded', 'downloaded', 'verified'],
      );
    });
  });

  test('5. review, then completing needs a resolution and a closing note; a completed case takes no files', async () => {
    assert.ok(state.caseId, 'needs the case of scenario 1');
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      await openCase(page);
      const review = await openMove(page, 'Send for review');
      await review.getByRole('button', { name: 'Send for review' }).click();
      await review.waitFor({ state: 'hidden' });
      await waitField(page, 'Status', 'Review');

      const complete = await openMove(page, 'Complete');
      await complete.getByRole('button', { name: 'Complete', exact: true }).click();
      await complete.getByText('Choose a resolution').waitFor();
      await complete.getByText('is required').waitFor();
      await sleep(300);
      await check(page, 'complete dialog with errors');
      await shot(page, 'c05-complete-needs');
      await pickSelect(page, 'Resolution', 'Substantiated', complete);
      await complete.getByRole('textbox', { name: 'Closing note' }).fill('Both refunds went to one card; recovered.');
      await complete.getByRole('button', { name: 'Complete', exact: true }).click();
      await complete.waitFor({ state: 'hidden' });
      await waitField(page, 'Status', 'Completed');
      assert.equal(await field(page, 'Resolution'), 'Substantiated');
      await page.getByRole('button', { name: 'Reopen', exact: true }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Edit', exact: true }).count(), 0);
      await page.getByText('The case is completed: it takes no new evidence until it is reopened.').waitFor();
      assert.equal(await page.getByLabel('or choose one:').count(), 0);
      // Files can still be downloaded and checked.
      await evidenceRow(page)
        .getByRole('button', { name: `Download ${fileName}` })
        .waitFor();
      await history(page).getByText('review → completed').first().waitFor();
      await page.locator('section[aria-labelledby="history-title"] li').first().waitFor();
      await check(page, 'case page (completed)');
      await shot(page, 'c05-completed');

      const reopen = await openMove(page, 'Reopen');
      await reopen.getByRole('button', { name: 'Reopen' }).click();
      await reopen.getByText('is required').waitFor();
      await sleep(300);
      await check(page, 'reopen dialog with error');
      await page.keyboard.press('Escape');
      await reopen.waitFor({ state: 'hidden' });
    });
  });

  test('6. the board shows a column per status with cards, confidential ones marked in words', async () => {
    assert.ok(state.caseId, 'needs the case of scenario 1');
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      await page.goto('/cases');
      await page.locator('tbody tr').first().waitFor();
      await page.getByRole('button', { name: 'Board by status' }).click();
      await page.waitForURL(/view=board/);
      for (const s of ['New', 'Assigned', 'In progress', 'Review', 'Completed']) {
        await page.getByRole('region', { name: new RegExp(`^${s} \\(\\d+\\)$`) }).waitFor();
      }
      const completed = page.getByRole('region', { name: /^Completed \(\d+\)$/ });
      const card = completed.getByRole('listitem').filter({ hasText: state.title });
      await card.waitFor();
      await card.getByText('Confidential', { exact: true }).waitFor();
      await card.getByText('Urgent', { exact: true }).waitFor();
      await check(page, 'cases board');
      await shot(page, 'c06-board');

      await page.goto('/cases?view=board&priority=urgent&status=completed');
      await completed.getByRole('link', { name: `#${state.caseId} ${state.title}` }).waitFor();
      assert.equal(await page.getByRole('region', { name: /^New \(\d+\)$/ }).count(), 0);
    });
  });

  test('7. dashboard: case cards and the chart for those who investigate', async () => {
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      const counts = await apiGet(page, '/api/dashboard');
      for (const [label, key] of [
        ['Open cases', 'cases_open'],
        ['Urgent open cases', 'cases_urgent'],
      ]) {
        assert.equal(typeof counts[key], 'number', key);
        const card = page.locator('a').filter({ has: page.getByText(label, { exact: true }) });
        await page.waitForFunction(
          (el) => /^\d+$/.test(el.textContent.trim()),
          await card.locator('p').nth(1).elementHandle(),
        );
        assert.equal(Number((await card.locator('p').nth(1).innerText()).trim()), counts[key], label);
      }
      const chart = page
        .locator('.mantine-Card-root')
        .filter({ has: page.getByRole('heading', { name: 'Cases by status' }) });
      await chart.locator('canvas').waitFor();
      assert.match(await chart.getByRole('img').getAttribute('aria-label'), /completed/);
      const byStatus = await apiGet(page, '/api/dashboard/charts?chart_type=cases_by_status');
      assert.deepEqual(byStatus.labels, ['new', 'assigned', 'in_progress', 'review', 'completed']);
      await sleep(500);
      await check(page, 'dashboard (investigator)');
      await shot(page, 'c07-dashboard');
    });
  });

  test('8. who sees cases: not the viewer or the auditor; the admin sees the confidential case', async () => {
    assert.ok(state.caseId, 'needs the case of scenario 1');
    for (const [who, name] of [
      [VIEWER, 'viewer'],
      [AUDITOR, 'auditor'],
    ]) {
      await withPage(async (page) => {
        await login(page, who);
        const links = await navLinks(page);
        assert.ok(links.includes('Dashboard'), `${name}: navigation shown`);
        assert.ok(!links.includes('Cases'), `${name}: no Cases in the navigation (${links.join(', ')})`);
        const counts = await apiGet(page, '/api/dashboard');
        assert.equal('cases_open' in counts, false, `${name}: no case counts`);
        assert.equal(await page.getByText('Open cases', { exact: true }).count(), 0);
        assert.equal(await page.getByRole('heading', { name: 'Cases by status' }).count(), 0);
        await page.goto('/cases');
        await page.getByRole('alert').filter({ hasText: 'Could not load cases' }).waitFor();
        assert.equal(await page.getByRole('link', { name: 'New case' }).count(), 0);
        const refused = await apiCall(page, `/api/cases/${state.caseId}`);
        assert.equal(refused.status, 403, `${name}: cases are refused`);
      });
    }
    await withPage(async (page) => {
      await login(page, ADMIN);
      assert.ok((await navLinks(page)).includes('Cases'));
      await openCase(page);
      await page.getByText('Visible only to admins, the assignee and whoever opened the case.').waitFor();
      await check(page, 'case page (admin)');
    });
  });

  test('9. accessibility: the edit form and a phone-sized case page, then no serious or critical axe violations anywhere', async () => {
    await withPage(async (page) => {
      await login(page, INVESTIGATOR);
      const open = (await apiGet(page, '/api/cases?status=in_progress&limit=1'))[0];
      assert.ok(open, 'the demo has a case in progress');
      await page.goto(`/cases/${open.id}`);
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: `Edit case #${open.id}` }).waitFor();
      await page.waitForFunction((t) => document.querySelector('input[maxlength="300"]')?.value === t, open.title);
      await check(page, 'case form (edit)');
      await shot(page, 'c09-edit');
    });
    await withPage(
      async (page) => {
        await login(page, INVESTIGATOR);
        await openCase(page);
        await evidenceRow(page).waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the case page is ${overflow}px wider than a 390px window`);
        await check(page, 'case page (phone)');
        await page.goto('/cases?view=board');
        await page.getByRole('region', { name: /^New \(\d+\)$/ }).waitFor();
        await check(page, 'cases board (phone)');
        await shot(page, 'c09-phone-board');
      },
      { width: 390, height: 844 },
    );
    writeFileSync(path.join(shots, 'axe-violations-cases.json'), JSON.stringify(state.axe, null, 2) + '\n');
    if (state.axe.length) console.log('axe serious/critical violations:\n' + JSON.stringify(state.axe, null, 2));
    assert.deepEqual(
      state.axe.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });
});
