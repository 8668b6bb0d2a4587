// End-to-end tests of audit management: an engagement through its phases, procedures
// and their sign-off, findings with their status moves and management responses, the
// lists and their URL filters, the dashboard, permissions and accessibility.
// Same harness as the other files (helpers.mjs): a real bin/strata on a fresh database
// with the demo seed, in Debian's chromium. Run from web/: `npm run e2e`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AUDITOR,
  COMPLIANCE,
  RISK,
  VIEWER,
  axe,
  createHarness,
  login,
  pickSelect,
  shot,
  shots,
  sleep,
} from './helpers.mjs';

const h = createHarness();
const suffix = Date.now().toString(36).toUpperCase();

/** Demo people of cmd/strata/seed.go, as the member pickers name them. */
const AUDITOR_NAME = 'Tomás Ferreira';
const COMPLIANCE_NAME = 'Priya Raman';
const RISK_NAME = 'Marcus Obi';

/** Shared state between the scenarios (they run in order). */
const state = {
  engagementId: null,
  title: `E2E payroll audit ${suffix}`,
  procedure: `Walk through payroll approvals ${suffix}`,
  findingId: null,
  finding: `Payroll runs go out unapproved ${suffix}`,
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

/** A call to the API in the page's session (for ids and checks the screens do not show). */
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
const apiGet = async (page, url) => (await apiCall(page, url)).data;

async function check(page, name) {
  state.axe.push(...(await axe(page, name)));
}

/** The text of a detail field (a dt/dd pair) of the page. */
async function field(page, label) {
  const dd = page.locator('dl div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });
  return (await dd.locator('dd').textContent()).trim();
}

const phaseRegion = (page) => page.getByRole('region', { name: 'Phase' });
const currentPhase = (page) => phaseRegion(page).locator('li[aria-current="step"]');

async function openEngagement(page) {
  await page.goto(`/engagements/${state.engagementId}`);
  await page.getByRole('heading', { level: 1, name: `#${state.engagementId} ${state.title}` }).waitFor();
}

async function openFinding(page) {
  await page.goto(`/findings/${state.findingId}`);
  await page.getByRole('heading', { level: 1, name: `#${state.findingId} ${state.finding}` }).waitFor();
}

/** Yesterday in UTC, YYYY-MM-DD: a due date that makes a finding overdue. */
function yesterday() {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

describe('audit management e2e', { concurrency: 1 }, () => {
  before(() => h.start());
  after(() => h.stop());

  test('1. the auditor creates an engagement (the field error first) and finds it in the list and the board', async () => {
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await page.getByRole('link', { name: 'Engagements', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Engagements' }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      await check(page, 'engagements list');
      await page.getByRole('link', { name: 'New engagement' }).click();
      await page.getByRole('heading', { level: 1, name: 'New engagement' }).waitFor();
      await check(page, 'engagement form (new)');

      await page.getByRole('button', { name: 'Create engagement' }).click();
      const title = page.getByRole('textbox', { name: 'Title' });
      await page.waitForFunction(
        () => document.querySelector('input[maxlength="300"]')?.getAttribute('aria-invalid') === 'true',
      );
      await page.getByText('is required').first().waitFor();
      await check(page, 'engagement form with field errors');
      await shot(page, 'a01-create-field-error');

      await title.fill(state.title);
      await page.getByRole('textbox', { name: 'Scope' }).fill('Monthly payroll runs and their approvals.');
      await page.getByRole('textbox', { name: 'Auditee' }).fill('Finance');
      await pickSelect(page, 'Lead auditor', AUDITOR_NAME);
      await page.getByRole('button', { name: 'Create engagement' }).click();
      await page.waitForURL(/\/engagements\/\d+$/);
      state.engagementId = Number(new URL(page.url()).pathname.split('/').pop());
      await page.getByRole('heading', { level: 1, name: `#${state.engagementId} ${state.title}` }).waitFor();
      assert.equal(await field(page, 'Phase'), 'Planning');
      assert.equal(await field(page, 'Status'), 'On Track');
      assert.equal(await field(page, 'Lead auditor'), AUDITOR_NAME);
      assert.match(await currentPhase(page).textContent(), /Planning/);
      await shot(page, 'a01-engagement-created');

      await page.goto(`/engagements?q=${encodeURIComponent(state.title)}&phase=Planning`);
      await page.getByRole('link', { name: state.title, exact: true }).waitFor();
      await page.getByRole('button', { name: 'Board by phase' }).click();
      await page.waitForURL(/view=board/);
      const planning = page.getByRole('region', { name: /^Planning \(\d+\)$/ });
      await planning.getByRole('link', { name: state.title, exact: true }).waitFor();
      await page.goto('/engagements?view=board');
      for (const phase of ['Planning', 'Fieldwork', 'Review', 'Reporting', 'Completed']) {
        await page.getByRole('region', { name: new RegExp(`^${phase} \\(\\d+\\)$`) }).waitFor();
      }
      await check(page, 'engagements board');
      await shot(page, 'a01-board');
    });
  });

  test('2. a procedure: its assignee cannot sign it off, someone else does', async () => {
    assert.ok(state.engagementId, 'needs the engagement of scenario 1');
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await openEngagement(page);
      const add = page.getByRole('form', { name: 'Add a procedure' });
      await add.getByRole('textbox', { name: 'Title' }).fill(state.procedure);
      await pickSelect(page, 'Assigned to', AUDITOR_NAME, add);
      await add.getByRole('button', { name: 'Add procedure' }).click();
      const procedures = page.getByRole('region', { name: 'Procedures' });
      const row = procedures.locator('tbody tr').filter({ hasText: state.procedure });
      await row.waitFor();
      assert.match(await row.textContent(), /Not started/);

      await procedures.getByRole('button', { name: `Edit procedure ${state.procedure}` }).click();
      const edit = page.getByRole('dialog', { name: `Edit procedure: ${state.procedure}` });
      await edit.waitFor();
      await sleep(300);
      await check(page, 'procedure edit dialog');
      await pickSelect(page, 'Status', 'Done', edit);
      await edit.getByRole('textbox', { name: 'Conclusion' }).fill('Two of twelve runs lacked a second approval.');
      await edit.getByRole('button', { name: 'Save procedure' }).click();
      await edit.waitFor({ state: 'hidden' });
      await row.getByText('Two of twelve runs').waitFor();

      const signOff = procedures.getByRole('button', { name: `Sign off procedure ${state.procedure}` });
      assert.equal(await signOff.getAttribute('aria-disabled'), 'true');
      await procedures.getByText('You are assigned to this procedure: someone else must sign it off.').waitFor();
      assert.equal(await signOff.isDisabled(), true);
      await shot(page, 'a02-assignee-cannot-sign');
    });
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await openEngagement(page);
      const procedures = page.getByRole('region', { name: 'Procedures' });
      const signOff = procedures.getByRole('button', { name: `Sign off procedure ${state.procedure}` });
      assert.equal(await signOff.getAttribute('aria-disabled'), null);
      await signOff.click();
      const dialog = page.getByRole('dialog', { name: `Sign off procedure: ${state.procedure}` });
      await dialog.waitFor();
      await sleep(300);
      await check(page, 'sign-off dialog');
      await dialog.getByRole('textbox', { name: 'Comment' }).fill('Evidence reviewed.');
      await dialog.getByRole('button', { name: 'Sign off', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      const row = procedures.locator('tbody tr').filter({ hasText: state.procedure });
      await row.getByText(`Signed off by ${COMPLIANCE_NAME}`).waitFor();
      await procedures.getByText('1 of 1 signed off').waitFor();
      assert.equal(await procedures.getByRole('button', { name: `Edit procedure ${state.procedure}` }).count(), 0);
      await shot(page, 'a02-signed-off');
    });
  });

  test('3. the auditor raises a finding from the engagement page', async () => {
    assert.ok(state.engagementId, 'needs the engagement of scenario 1');
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await openEngagement(page);
      const findings = page.getByRole('region', { name: 'Findings' });
      await findings.getByText('No findings raised.').waitFor();
      await findings.getByRole('link', { name: 'Raise finding' }).click();
      await page.waitForURL(new RegExp(`/findings/new\\?engagement_id=${state.engagementId}$`));
      await page.getByRole('heading', { level: 1, name: 'Raise a finding' }).waitFor();
      const engagement = page.getByRole('textbox', { name: 'Engagement' });
      await page.waitForFunction(
        ([el, want]) => el.value === want,
        [await engagement.elementHandle(), `#${state.engagementId} ${state.title}`],
      );
      await check(page, 'raise finding form');
      await page.getByRole('textbox', { name: 'Title' }).fill(state.finding);
      await page.getByRole('textbox', { name: 'Description' }).fill('Two runs went out with a single approval.');
      await pickSelect(page, 'Severity', 'High');
      await pickSelect(page, 'Assigned to', RISK_NAME);
      await page.getByLabel('Due date').fill(yesterday());
      await page.getByRole('button', { name: 'Raise finding' }).click();
      await page.waitForURL(/\/findings\/\d+$/);
      state.findingId = Number(new URL(page.url()).pathname.split('/').pop());
      await openFinding(page);
      assert.equal(await field(page, 'Status'), 'Open');
      assert.equal(await field(page, 'Severity'), 'High');
      assert.equal(await field(page, 'Assigned to'), RISK_NAME);
      assert.match(await field(page, 'Due date'), /Overdue/);
      await page.locator('section[aria-labelledby="history-title"] li').first().waitFor();
      await check(page, 'finding page (open)');
      await shot(page, 'a03-finding-raised');

      await openEngagement(page);
      const row = page.getByRole('region', { name: 'Findings' }).locator('tbody tr').filter({ hasText: state.finding });
      await row.waitFor();
      assert.match(await row.textContent(), /Overdue/);
    });
  });

  test('4. phases: forward one step, back with a comment, no Reporting while a finding is Open', async () => {
    assert.ok(state.findingId, 'needs the finding of scenario 3');
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await openEngagement(page);
      const phases = phaseRegion(page);
      await phases.getByRole('button', { name: 'Move to Fieldwork' }).click();
      await phases.getByRole('button', { name: 'Move to Review' }).click();
      await phases.getByRole('button', { name: 'Move to Reporting' }).waitFor();
      assert.match(await currentPhase(page).textContent(), /Review/);

      // Back to Fieldwork: the dialog asks why, and the server insists.
      await phases.getByRole('button', { name: 'Move back to Fieldwork' }).click();
      const dialog = page.getByRole('dialog', { name: 'Move back to Fieldwork' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Move back' }).click();
      await dialog.getByText('is required to move back').waitFor();
      await check(page, 'move back dialog with error');
      await shot(page, 'a04-move-back-needs-comment');
      await dialog.getByRole('textbox', { name: /Why the engagement moves back/ }).fill('Sample two more runs.');
      await dialog.getByRole('button', { name: 'Move back' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await phases.getByRole('button', { name: 'Move to Review' }).click();
      await phases.getByRole('button', { name: 'Move to Reporting' }).waitFor();
      const trail = page.locator('section[aria-labelledby="history-title"]');
      await trail.getByText('Review → Fieldwork').first().waitFor();

      // Reporting: offered, but inert, with the reason.
      const reporting = phases.getByRole('button', { name: 'Move to Reporting' });
      assert.equal(await reporting.getAttribute('aria-disabled'), 'true');
      await phases.getByText('1 finding still Open: approve or close it before Reporting.').waitFor();
      await reporting.click({ force: true });
      await sleep(300);
      assert.match(await currentPhase(page).textContent(), /Review/);
      await check(page, 'engagement page (review, finding open)');
      await shot(page, 'a04-reporting-blocked');

      // The server refuses the same move, naming the phase.
      const e = await apiGet(page, `/api/engagements/${state.engagementId}`);
      const refused = await apiCall(page, `/api/engagements/${state.engagementId}/phase`, {
        method: 'PUT',
        body: JSON.stringify({ phase: 'Reporting' }),
        headers: { 'If-Match': `"${e.version}"` },
      });
      assert.equal(refused.status, 400);
      assert.match(refused.error.fields.phase, /1 finding is Open/);
    });
  });

  test('5. approving the finding freezes its text and lets the engagement enter Reporting', async () => {
    assert.ok(state.findingId, 'needs the finding of scenario 3');
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await openFinding(page);
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Approve finding #${state.findingId}` });
      await dialog.waitFor();
      await sleep(300);
      await check(page, 'approve dialog');
      await dialog.getByRole('button', { name: 'Approve finding' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Reopen' }).waitFor();
      assert.equal(await field(page, 'Status'), 'Approved');
      await page
        .getByText(/frozen while the finding is Approved/)
        .first()
        .waitFor();

      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: `Edit finding #${state.findingId}` }).waitFor();
      await page.waitForFunction((t) => document.querySelector('input[maxlength="300"]')?.value === t, state.finding);
      assert.equal(await page.getByRole('textbox', { name: 'Title' }).isDisabled(), true);
      assert.equal(await page.getByRole('textbox', { name: 'Severity' }).isDisabled(), true);
      assert.equal(await page.getByLabel('Due date').isDisabled(), false);
      await page.getByText('Frozen while the finding is Approved; reopen it to edit.').first().waitFor();
      await check(page, 'finding form (frozen)');
      await shot(page, 'a05-frozen');

      await openEngagement(page);
      const phases = phaseRegion(page);
      const reporting = phases.getByRole('button', { name: 'Move to Reporting' });
      await page.waitForFunction((el) => !el.hasAttribute('aria-disabled'), await reporting.elementHandle());
      await reporting.click();
      await phases.getByRole('button', { name: 'Move to Completed' }).waitFor();
      assert.match(await currentPhase(page).textContent(), /Reporting/);
      assert.equal(await field(page, 'Phase'), 'Reporting');
      await shot(page, 'a05-reporting');
    });
  });

  test('6. management responses: the assignee answers, an auditor answers again, both versions are kept', async () => {
    assert.ok(state.findingId, 'needs the finding of scenario 3');
    await withPage(async (page) => {
      await login(page, RISK);
      await openFinding(page);
      for (const name of ['Approve', 'Close', 'Reopen']) {
        assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, name);
      }
      const section = page.getByRole('region', { name: 'Management response' });
      await section.getByText('No response submitted yet.').waitFor();
      await section.getByRole('button', { name: 'Submit response' }).click();
      await section.getByText('is required').waitFor();
      await section.getByRole('textbox', { name: 'Response', exact: true }).fill('A second approver is now required.');
      await section.getByRole('textbox', { name: 'Action plan' }).fill('Change the payroll workflow.');
      await section.getByRole('button', { name: 'Submit response' }).click();
      const versions = section.getByRole('list', { name: 'Response versions' });
      await versions.getByText('A second approver is now required.').waitFor();
      assert.equal(await versions.getByRole('listitem').count(), 1);
    });
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await openFinding(page);
      const section = page.getByRole('region', { name: 'Management response' });
      await section
        .getByRole('textbox', { name: 'Response', exact: true })
        .fill('Workflow changed; two approvals enforced.');
      await section.getByLabel('Target date').fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
      await section.getByRole('button', { name: 'Submit response' }).click();
      const versions = section.getByRole('list', { name: 'Response versions' });
      await versions.getByText('Workflow changed; two approvals enforced.').waitFor();
      const items = versions.getByRole('listitem');
      assert.equal(await items.count(), 2);
      assert.match(await items.nth(0).textContent(), /Version 2[\s\S]*Current[\s\S]*Tomás Ferreira/);
      assert.match(await items.nth(1).textContent(), /Version 1[\s\S]*Marcus Obi[\s\S]*A second approver/);
      await check(page, 'finding page with responses');
      await shot(page, 'a06-responses');
    });
  });

  test('7. findings list: filters in the URL, overdue rows marked in words', async () => {
    assert.ok(state.findingId, 'needs the finding of scenario 3');
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await page.goto(`/findings?engagement_id=${state.engagementId}`);
      const row = page.locator('tbody tr').filter({ hasText: state.finding });
      await row.waitFor();
      await page.getByText('1 matching finding').waitFor();
      assert.match(await row.textContent(), /Overdue/);
      assert.equal(await row.getAttribute('data-overdue'), 'true');
      await check(page, 'findings list');

      await page.goto(`/findings?engagement_id=${state.engagementId}&status=Open`);
      await page.getByText('No findings match these filters.').waitFor();
      await pickSelect(page, 'Status', 'Approved');
      await page.waitForURL(new RegExp(`engagement_id=${state.engagementId}&status=Approved`));
      await row.waitFor();

      await page.goto('/findings?overdue=true');
      await page.locator('tbody tr').first().waitFor();
      const rows = page.locator('tbody tr');
      const n = await rows.count();
      assert.ok(n >= 1, 'the seed and scenario 3 have overdue findings');
      for (let i = 0; i < n; i++) assert.match(await rows.nth(i).textContent(), /Overdue/);
      await shot(page, 'a07-overdue');

      await page.goto('/findings?open=true&risk_rating=none');
      await page.getByText(/matching finding/).waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Linked risk rating' }).inputValue(), 'No linked risk');
      await row.waitFor();
    });
  });

  test('8. closing needs a comment saying how the fix was verified', async () => {
    assert.ok(state.findingId, 'needs the finding of scenario 3');
    await withPage(async (page) => {
      await login(page, AUDITOR);
      await openFinding(page);
      await page.getByRole('button', { name: 'Close', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Close finding #${state.findingId}` });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Close finding' }).click();
      await dialog.getByText(/is required to close a finding/).waitFor();
      await check(page, 'close dialog with error');
      await shot(page, 'a08-close-needs-comment');
      await dialog.getByRole('textbox', { name: /How the fix was verified/ }).fill('Re-performed two payroll runs.');
      await dialog.getByRole('button', { name: 'Close finding' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Reopen' }).waitFor();
      // Under load the details can trail the actions by a refetch.
      for (let i = 0; i < 50 && (await field(page, 'Status')) !== 'Closed'; i++) await page.waitForTimeout(200);
      assert.equal(await field(page, 'Status'), 'Closed');
      assert.doesNotMatch(await field(page, 'Due date'), /Overdue/);
      const trail = page.locator('section[aria-labelledby="history-title"]');
      await trail.getByText('Approved → Closed').first().waitFor();
    });
  });

  test('9. a finding raised from a failed control test carries the test and its control', async () => {
    assert.ok(state.engagementId, 'needs the engagement of scenario 1');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      let control = null;
      let testId = null;
      for (const c of await apiGet(page, '/api/controls?limit=100')) {
        const detail = await apiGet(page, `/api/controls/${c.id}`);
        const failed = (detail.tests ?? []).find((t) => t.result === 'Fail');
        if (failed) {
          control = detail;
          testId = failed.id;
          break;
        }
      }
      if (!control) {
        control = (await apiGet(page, '/api/controls?status=Active&limit=1'))[0];
        const recorded = await apiCall(page, `/api/controls/${control.id}/tests`, {
          method: 'POST',
          body: JSON.stringify({ tested_at: new Date().toISOString(), result: 'Fail', notes: 'e2e' }),
        });
        testId = recorded.data.tests.find((t) => t.result === 'Fail').id;
      }

      // The control page offers it beside the failed test, through the slot audit
      // management fills.
      await page.goto(`/controls/${control.id}`);
      const tests = page.getByRole('region', { name: 'Tests' });
      await tests.getByRole('link', { name: new RegExp(`^Raise finding\\s*from test #${testId}$`) }).click();
      await page.waitForURL(new RegExp(`/findings/new\\?control_id=${control.id}&source_test_id=${testId}$`));
      await page.getByText(`Raised from control test #${testId}`).waitFor();
      const picked = page.getByRole('textbox', { name: 'Linked control' });
      assert.equal(await picked.isDisabled(), true);
      await page.waitForFunction(
        ([el, code]) => el.value.startsWith(code),
        [await picked.elementHandle(), control.code],
      );
      await pickSelect(page, 'Engagement', `#${state.engagementId} ${state.title}`);
      await page.getByRole('textbox', { name: 'Title' }).fill(`Control ${control.code} failed its test ${suffix}`);
      await check(page, 'raise finding from a test');
      await page.getByRole('button', { name: 'Raise finding' }).click();
      await page.waitForURL(/\/findings\/\d+$/);
      await page.getByRole('heading', { level: 1, name: new RegExp(`failed its test ${suffix}$`) }).waitFor();
      assert.equal(await field(page, 'Raised from'), `Control test #${testId}`);
      assert.match(await field(page, 'Linked control'), new RegExp(`^${control.code} `));
      await shot(page, 'a09-from-test');
    });
  });

  test('10. the viewer sees no write buttons', async () => {
    assert.ok(state.engagementId && state.findingId, 'needs scenarios 1 and 3');
    await withPage(async (page) => {
      await login(page, VIEWER);
      const absent = async (where, names) => {
        for (const name of names) {
          assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `${where}: button ${name}`);
          assert.equal(await page.getByRole('link', { name, exact: true }).count(), 0, `${where}: link ${name}`);
        }
      };
      await page.goto('/engagements');
      await page.locator('tbody tr').first().waitFor();
      await absent('engagements list', ['New engagement']);
      await openEngagement(page);
      await page.getByRole('region', { name: 'Findings' }).locator('tbody tr').first().waitFor();
      await absent('engagement page', [
        'Edit',
        'Change status',
        'Add procedure',
        'Raise finding',
        'Move to Completed',
        'Move back to Review',
      ]);
      assert.equal(await phaseRegion(page).getByRole('button').count(), 0);
      assert.equal(await page.getByRole('button', { name: /^(Sign off|Edit procedure)/ }).count(), 0);
      await check(page, 'engagement page (viewer)');
      await shot(page, 'a10-viewer-engagement');
      await page.goto('/findings');
      await page.locator('tbody tr').first().waitFor();
      await absent('findings list', ['Raise finding']);
      await openFinding(page);
      await page.getByRole('list', { name: 'Response versions' }).waitFor();
      await absent('finding page', ['Edit', 'Approve', 'Close', 'Reopen', 'Submit response']);
      await page.goto('/engagements/new');
      await page.waitForURL(/\/engagements$/);
      await page.goto(`/findings/${state.findingId}/edit`);
      await page.waitForURL(new RegExp(`/findings/${state.findingId}$`));
    });
  });

  test('11. dashboard: audit cards and charts', async () => {
    await withPage(async (page) => {
      await login(page, AUDITOR);
      const counts = await apiGet(page, '/api/dashboard');
      for (const [href, label, key] of [
        ['/engagements?active=true', 'Active engagements', 'engagements_active'],
        ['/findings?open=true', 'Open findings', 'findings_open'],
        ['/findings?overdue=true', 'Overdue findings', 'findings_overdue'],
      ]) {
        const card = page.locator(`a[href="${href}"]`);
        await card.getByText(label).waitFor();
        await page.waitForFunction(
          (el) => /^\d+$/.test(el.textContent.trim()),
          await card.locator('p').nth(1).elementHandle(),
        );
        assert.equal(Number((await card.locator('p').nth(1).innerText()).trim()), counts[key], label);
      }
      // ECharts' own description replaces the chart's label once drawn; either names every bar.
      for (const [title, bar] of [
        ['Open findings by linked risk rating', 'No linked risk'],
        ['Engagements by phase', 'Completed'],
      ]) {
        const chart = page.locator('.mantine-Card-root').filter({ has: page.getByRole('heading', { name: title }) });
        await chart.locator('canvas').waitFor();
        assert.match(await chart.getByRole('img').getAttribute('aria-label'), new RegExp(bar));
      }
      const byRisk = await apiGet(page, '/api/dashboard/charts?chart_type=findings_by_risk');
      assert.deepEqual(byRisk.labels, ['Low', 'Medium', 'High', 'Critical', 'No linked risk']);
      await sleep(500);
      await check(page, 'dashboard');
      await shot(page, 'a11-dashboard');

      await page.locator('a[href="/findings?overdue=true"]').click();
      await page.waitForURL(/\/findings\?overdue=true$/);
      await page.getByText(`${counts.findings_overdue} matching finding`).waitFor();
    });
  });

  test('12. accessibility: the remaining screens and dialogs, then no serious or critical axe violations anywhere', async () => {
    assert.ok(state.engagementId, 'needs the engagement of scenario 1');
    await withPage(async (page) => {
      await login(page, COMPLIANCE);
      await openEngagement(page);
      await page.locator('section[aria-labelledby="history-title"] li').first().waitFor();
      await check(page, 'engagement page (reporting)');
      await page.getByRole('button', { name: 'Change status' }).click();
      const dialog = page.getByRole('dialog', { name: `Change the status of engagement #${state.engagementId}` });
      await dialog.waitFor();
      await pickSelect(page, 'Status', 'Cancelled', dialog);
      await dialog.getByRole('button', { name: 'Save status' }).click();
      await dialog.getByText('is required to cancel an engagement').waitFor();
      await check(page, 'status dialog with error');
      await shot(page, 'a12-cancel-needs-comment');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });

      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: `Edit engagement #${state.engagementId}` }).waitFor();
      await check(page, 'engagement form (edit)');

      await page.goto('/findings/new');
      await page.getByRole('button', { name: 'Raise finding' }).click();
      await page.getByText('is required').first().waitFor();
      await check(page, 'raise finding form with field errors');
    });
    await withPage(
      async (page) => {
        await login(page, AUDITOR);
        await page.goto('/findings?open=true');
        await page.locator('tbody tr').first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `the findings list is ${overflow}px wider than a 390px window`);
        await check(page, 'findings list (phone)');
        await openEngagement(page);
        await check(page, 'engagement page (phone)');
        await shot(page, 'a12-phone-engagement');
      },
      { width: 390, height: 844 },
    );
    writeFileSync(path.join(shots, 'axe-violations-audits.json'), JSON.stringify(state.axe, null, 2) + '\n');
    if (state.axe.length) console.log('axe serious/critical violations:\n' + JSON.stringify(state.axe, null, 2));
    assert.deepEqual(
      state.axe.map((f) => `${f.page}: ${f.id} (${f.impact})`),
      [],
      'serious/critical axe violations',
    );
  });
});
