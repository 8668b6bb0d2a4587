import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAuth } from '../../../lib/auth';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { RaiseFromTest } from './RaiseFromTest';

afterEach(() => vi.unstubAllGlobals());

// Signed in says when the caller's permissions have loaded, so a missing link means
// the action chose to offer nothing, not that it had not decided yet.
function SignedIn() {
  return useAuth().status ? <span>signed in</span> : null;
}

// show renders the action beside a failed test #13 and a passed test #12.
function show(permissions: string[]) {
  mockFetch(() => ({ body: { ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } } }));
  renderAt('/', [
    {
      path: '/',
      element: (
        <>
          <SignedIn />
          <RaiseFromTest controlId={7} testId={13} result="Fail" />
          <RaiseFromTest controlId={7} testId={12} result="Pass" />
        </>
      ),
    },
  ]);
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
    show(['audits:read', 'controls:read']);
    expect(await screen.findByText('signed in')).toBeInTheDocument();
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
  });
});
