import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { RaiseFromTest } from './RaiseFromTest';

afterEach(() => vi.unstubAllGlobals());

// show renders the action beside a failed test #13 and a passed test #12.
function show(permissions: string[]) {
  const fetch = mockFetch(() => ({ body: { ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } } }));
  renderAt('/', [
    {
      path: '/',
      element: (
        <>
          <RaiseFromTest controlId={7} testId={13} result="Fail" />
          <RaiseFromTest controlId={7} testId={12} result="Pass" />
        </>
      ),
    },
  ]);
  return fetch;
}

describe('RaiseFromTest', () => {
  it('links a failed test, and only a failed one, to the finding form filled in with its control and test', async () => {
    show(['audits:write']);
    const link = await screen.findByRole('link', { name: /Raise finding/ });
    expect(link).toHaveTextContent('from test #13');
    expect(link).toHaveAttribute('href', '/findings/new?control_id=7&source_test_id=13');
    expect(screen.getAllByRole('link')).toHaveLength(1);
  });

  it('offers nothing without audits:write', async () => {
    const fetch = show(['audits:read', 'controls:read']);
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });
});
