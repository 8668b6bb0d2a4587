// Shared harness of the end-to-end tests: a real bin/strata on a fresh PostgreSQL database
// (seeded with the demo organization), driven through Debian's /usr/bin/chromium with
// playwright-core (no browser is downloaded). Each test file starts its own server and database.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilderModule from '@axe-core/playwright';

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule;
const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const bin = path.join(repo, 'bin/strata');
export const shots = path.join(repo, 'test-output/e2e');
mkdirSync(shots, { recursive: true });

export const TIMEOUT = 15_000;

/** Demo logins of cmd/strata/seed.go. */
export const ADMIN = { email: 'admin@northwind.example', password: 'demo-admin-pass' };
export const RISK = { email: 'risk@northwind.example', password: 'demo-risk-pass' };
export const COMPLIANCE = { email: 'compliance@northwind.example', password: 'demo-compliance-pass' };
export const AUDITOR = { email: 'auditor@northwind.example', password: 'demo-auditor-pass' };
export const VIEWER = { email: 'viewer@northwind.example', password: 'demo-viewer-pass' };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * One server, database and browser for a test file: call start() in before() and
 * stop() in after(); base and browser are set once started.
 */
export function createHarness({ seedArgs = ['--risks', '20'] } = {}) {
  const dbName = `strata_e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const dbUrl = `postgres://localhost:5432/${dbName}?sslmode=disable`;
  let server;
  let serverLog = '';

  const h = {
    base: null,
    browser: null,
    /** What the browser refused under the server's Content-Security-Policy; stop() fails on any. */
    cspViolations: [],
    get serverLog() {
      return serverLog;
    },

    async start() {
      const port = await freePort();
      h.base = `http://127.0.0.1:${port}`;
      execFileSync(bin, ['seed', ...seedArgs, '--database-url', dbUrl], { stdio: 'pipe', cwd: repo });
      server = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--database-url', dbUrl], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server.stdout.on('data', (d) => (serverLog += d));
      server.stderr.on('data', (d) => (serverLog += d));
      await waitReady(h.base);
      h.browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    },

    async stop() {
      await h.browser?.close().catch(() => {});
      const violations = h.cspViolations.splice(0);
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      dropDb();
      if (violations.length) {
        throw new Error(`the web app broke the Content-Security-Policy:\n${violations.join('\n')}`);
      }
    },

    /** A browser context on the server, in UTC, desktop-sized unless a viewport is given. */
    async newContext(viewport = { width: 1280, height: 900 }) {
      const ctx = await h.browser.newContext({ baseURL: h.base, timezoneId: 'UTC', viewport });
      ctx.setDefaultTimeout(TIMEOUT);
      // Chromium reports each refusal on the console ("Refused to ... because it
      // violates the following Content Security Policy directive").
      ctx.on('console', (msg) => {
        const text = msg.text();
        if (/Content Security Policy/i.test(text)) h.cspViolations.push(`${msg.location()?.url ?? ''}: ${text}`);
      });
      return ctx;
    },
  };

  async function waitReady(url, ms = 30_000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (server.exitCode !== null) throw new Error(`strata serve exited (${server.exitCode}):\n${serverLog}`);
      try {
        const r = await fetch(`${url}/readyz`);
        if (r.ok) return;
      } catch {
        /* not listening yet */
      }
      await sleep(200);
    }
    throw new Error(`strata did not become ready in ${ms} ms:\n${serverLog}`);
  }

  function dropDb() {
    try {
      execFileSync(
        'psql',
        ['-h', '127.0.0.1', '-U', 'root', '-d', 'postgres', '-c', `drop database if exists ${dbName} with (force)`],
        { stdio: 'pipe' },
      );
    } catch (e) {
      console.error(`could not drop ${dbName}: ${e.stderr ?? e}`);
    }
  }

  return h;
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

export async function login(page, who) {
  await page.goto('/login');
  await page.getByRole('textbox', { name: 'Email' }).fill(who.email);
  await page.locator('input[type="password"]').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

/** Chooses an option of a Mantine Select by its label (scoped to `within`, a page or locator). */
export async function pickSelect(page, label, option, within = page) {
  await within.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** datetime-local value (UTC, the contexts' time zone) for a Date. */
export function localValue(d) {
  return d.toISOString().slice(0, 19);
}

/**
 * Waits until no finite animation or transition runs on the page. axe measures colours
 * as they are drawn: a dialog fading out, its white label on a blue button blended
 * almost into the white page, read as a contrast of 1.02. Endless animations (a
 * spinner) are not waited for.
 */
async function settleAnimations(page) {
  for (let round = 0; round < 5; round++) {
    const running = await page.evaluate(async () => {
      const finite = () =>
        document
          .getAnimations()
          .filter((a) => a.playState === 'running' && Number.isFinite(a.effect?.getComputedTiming().endTime));
      await Promise.all(finite().map((a) => a.finished.catch(() => {})));
      // A transition may start a frame after the last one ended (a dialog leaving).
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      return finite().length;
    });
    if (running === 0) return;
  }
}

/** Serious and critical axe violations of the page, tagged with `name`. */
export async function axe(page, name) {
  await settleAnimations(page);
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return bad.map((v) => ({
    page: name,
    id: v.id,
    impact: v.impact,
    help: v.help,
    count: v.nodes.length,
    nodes: v.nodes
      .slice(0, 40)
      .map((n) => `${n.target.join(' ')} :: ${(n.failureSummary ?? '').split('\n').slice(1, 2).join(' ').trim()}`),
  }));
}
