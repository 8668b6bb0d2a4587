// The frame of the engagement and finding create / edit pages: permission and loading
// guards, heading, save error or conflict notice, the fields, and Save / Cancel.
import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, Navigate } from 'react-router-dom';
import { useAuth } from '../../../lib/auth';
import { submitHandler } from '../../../lib/forms';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { FormAlert } from '../../../components/FormAlert';
import { Loading } from '../../../components/Loading';
import type { AuditForm } from '../hooks';

export function AuditFormLayout<R, V>({
  form,
  noun,
  title,
  createLabel,
  back,
  formError,
  children,
}: {
  form: AuditForm<R, V>;
  /** "engagement", "finding". */
  noun: string;
  title: string;
  createLabel: string;
  /** Where Cancel (and a caller without audits:write) goes. */
  back: string;
  /** The form-level message of a failed save (mapApiErrors' `form`). */
  formError: string | null;
  children: ReactNode;
}) {
  const { can, status } = useAuth();
  const { editing, existing, save } = form;
  const titleId = `${noun}-form-title`;

  if (!status) return <Loading />;
  if (!can('audits:write')) return <Navigate to={back} replace />;
  if (editing && existing.isLoading) return <Loading />;
  if (editing && existing.error) return <ErrorAlert error={existing.error} title={`Could not load the ${noun}`} />;

  return (
    <form onSubmit={submitHandler(() => save.mutate())} noValidate aria-labelledby={titleId}>
      <Stack maw={900}>
        <Title order={1} id={titleId} style={{ overflowWrap: 'anywhere' }}>
          {title}
        </Title>
        {form.conflict ? (
          <Alert color="orange" role="alert" title={`Someone else changed this ${noun}`}>
            <Text size="sm" mb="xs">
              {`The ${noun} was changed after you opened it, so your changes were not saved. Reload to see the current version (your unsaved edits will be replaced), then make your changes again.`}
            </Text>
            <Button size="xs" onClick={form.reload} loading={existing.isFetching}>
              {`Reload the ${noun}`}
            </Button>
          </Alert>
        ) : (
          <FormAlert message={formError} title="Could not save" />
        )}
        {children}
        <Group>
          <Button type="submit" loading={save.isPending}>
            {editing ? 'Save changes' : createLabel}
          </Button>
          <Button variant="default" component={Link} to={back}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
