// The card at the top of a detail page: a description list of fields, then the description.
import { Card, SimpleGrid, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export function DetailField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" component="dt">
        {label}
      </Text>
      <Text component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

/** `children` are DetailFields; an empty description shows as "—". */
export function DetailsCard({
  description,
  children,
}: {
  description: string | null | undefined;
  children: ReactNode;
}) {
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        {children}
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Description
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap' }}>{description || '—'}</Text>
    </Card>
  );
}
