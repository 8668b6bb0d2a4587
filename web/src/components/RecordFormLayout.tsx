// The frame of a create / edit page: permission and loading guards, heading, save error or
// conflict notice, the fields, and Save / Cancel.
import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, Navigate } from 'react-router-dom';
import { useAuth } from '../lib/auth';
import { submitHandler } from '../lib/forms';
import type { RecordForm } from '../lib/recordForm';
import { ErrorAlert } from './ErrorAlert';
import { FormAlert } from './FormAlert';
import { Loading } from './Loading';

export function RecordFormLayout<R, V>({
  form,
  noun,
  title,
  createLabel,
  back: backTo,
  formError,
  children,
}: {
  form: RecordForm<R, V>;
  /** "control", "risk". */
  noun: string;
  title: string;
  createLabel: string;
  /** Where Cancel (and a caller who may not save) goes; the record, or its list, by default. */
  back?: string;
  /** The form-level message of a failed save (mapApiErrors' `form`). */
  formError: string | null;
  children: ReactNode;
}) {
  const { can, status } = useAuth();
  const { resource, permission, id, editing, existing, save } = form;
  const back = backTo ?? (editing ? `/${resource}/${id}` : `/${resource}`);
  const titleId = `${noun}-form-title`;

  if (!status) return <Loading />;
  if (!can(permission)) return <Navigate to={back} replace />;
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
