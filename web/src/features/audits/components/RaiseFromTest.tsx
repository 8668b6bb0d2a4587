// The control page's action on a failed test: raise a finding from it, the form
// filled in with the test's control.
import { Anchor, VisuallyHidden } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import type { ControlTestRef } from '../../../lib/modules';

export function RaiseFromTest({ controlId, testId, result }: ControlTestRef) {
  const { can } = useAuth();
  if (result !== 'Fail' || !can('audits:write')) return null;
  return (
    <Anchor component={Link} to={`/findings/new?control_id=${controlId}&source_test_id=${testId}`} size="sm">
      Raise finding
      <VisuallyHidden> from test #{testId}</VisuallyHidden>
    </Anchor>
  );
}
