// Pieces every detail page has: the link back to its list and the answer to an unknown id.
import { Alert, Anchor, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

export function BackLink({ to, children }: { to: string; children: string }) {
  return (
    <Anchor component={Link} to={to} size="sm">
      {`← ${children}`}
    </Anchor>
  );
}

/** A 404 for the page's record: a heading naming the id, a notice, and whatever still applies (`children`). */
export function NotFoundNotice({
  heading,
  title,
  message,
  children,
}: {
  heading: string;
  title: string;
  message: string;
  children?: ReactNode;
}) {
  return (
    <Stack>
      <Title order={1}>{heading}</Title>
      <Alert color="gray" title={title}>
        {message}
      </Alert>
      {children}
    </Stack>
  );
}
