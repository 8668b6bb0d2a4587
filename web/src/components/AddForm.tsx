import { Button, Group, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { submitHandler } from '../lib/forms';

/** A small form under a list on a detail page ("Add a requirement"), headed by its own title. */
export function AddForm({
  id,
  title,
  onSubmit,
  submitLabel,
  pending,
  children,
}: {
  /** Id of the heading, which names the form. */
  id: string;
  title: string;
  onSubmit: () => void;
  submitLabel: string;
  pending: boolean;
  children: ReactNode;
}) {
  return (
    <form onSubmit={submitHandler(onSubmit)} noValidate aria-labelledby={id}>
      <Stack gap="xs" mt="md">
        <Title order={3} size="h5" id={id}>
          {title}
        </Title>
        {children}
        <Group>
          <Button type="submit" size="sm" loading={pending}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
