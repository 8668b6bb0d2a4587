import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../test-utils';
import { HistorySection } from './HistoryTimeline';

afterEach(() => vi.unstubAllGlobals());

const entry = (version: number, title: string) => ({
  version,
  event_id: `e${version}`,
  type: version === 1 ? 'RiskCreated' : 'RiskUpdated',
  recorded_at: `2026-01-0${version}T10:00:00Z`,
  actor: { id: 1, name: 'Ada' },
  correlation_id: 'c',
  changes: [{ field: 'title', before: version === 1 ? null : `Title ${version - 1}`, after: title }],
});

describe('HistorySection', () => {
  it('shows the newest events first and reads older pages on request', async () => {
    const fetch = mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: LOGGED_IN };
      if (url.pathname === '/api/risks/4/history') {
        if (!url.searchParams.get('cursor'))
          return {
            body: {
              success: true,
              data: [entry(3, 'Title 3'), entry(2, 'Title 2')],
              meta: { total: 3, limit: 2, next_cursor: 'older' },
            },
          };
        if (url.searchParams.get('cursor') === 'older')
          return {
            body: { success: true, data: [entry(1, 'Title 1')], meta: { total: 3, limit: 2, next_cursor: null } },
          };
      }
      return { status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'no' } } };
    });
    renderAt('/', [
      { path: '/', element: <HistorySection path="/risks/4/history" queryKey={['risks', 'history', '4']} /> },
    ]);
    const section = await screen.findByRole('region', { name: 'History' });
    expect(await within(section).findByText(/v3 · Ada/)).toBeInTheDocument();
    expect(within(section).getByText('Showing 2 of 3 events')).toBeInTheDocument();
    fireEvent.click(within(section).getByRole('button', { name: 'Load more events' }));
    expect(await within(section).findByText(/v1 · Ada/)).toBeInTheDocument();
    const versions = within(section)
      .getAllByText(/^v\d · Ada/)
      .map((el) => el.textContent?.slice(0, 2));
    expect(versions).toEqual(['v3', 'v2', 'v1']);
    expect(within(section).queryByRole('button', { name: 'Load more events' })).not.toBeInTheDocument();
    expect(fetch.mock.calls.some((c) => new URL(String(c[0]), 'http://x').searchParams.get('cursor') === 'older')).toBe(
      true,
    );
  });

  it('says so when the next page cannot be read, and keeps what it has', async () => {
    mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: LOGGED_IN };
      if (url.searchParams.get('cursor'))
        return {
          status: 400,
          body: { success: false, error: { code: 'VALIDATION_ERROR', message: 'cursor is not valid' } },
        };
      return {
        body: { success: true, data: [entry(2, 'Title 2')], meta: { total: 2, limit: 1, next_cursor: 'bad' } },
      };
    });
    renderAt('/', [
      { path: '/', element: <HistorySection path="/risks/4/history" queryKey={['risks', 'history', '4']} /> },
    ]);
    const section = await screen.findByRole('region', { name: 'History' });
    fireEvent.click(await within(section).findByRole('button', { name: 'Load more events' }));
    expect(await within(section).findByText('cursor is not valid')).toBeInTheDocument();
    expect(within(section).getByText(/v2 · Ada/)).toBeInTheDocument();
  });
});
