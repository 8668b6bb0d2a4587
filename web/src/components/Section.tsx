import { Card, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled part of a detail page: a region named by its h2 heading (`id` is the heading's id). */
export function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-labelledby={id}>
      <Title order={2} size="h4" mb="sm" id={id}>
        {title}
      </Title>
      {children}
    </Card>
  );
}
