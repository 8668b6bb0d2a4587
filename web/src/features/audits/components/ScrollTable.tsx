import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A table with column headings that scrolls sideways in a narrow window, like the shared
 * DataTable, but whose scroll container takes keyboard focus: a table that may hold no
 * link or button (a procedure list a viewer reads) could otherwise not be scrolled
 * without a mouse.
 */
export function ScrollTable({
  label,
  minWidth,
  columns,
  children,
}: {
  /** Names the scrollable region for screen readers. */
  label: string;
  minWidth: number;
  columns: ReactNode[];
  children: ReactNode;
}) {
  const headings = columns.filter((c) => c !== false);
  return (
    <Table.ScrollContainer minWidth={minWidth} type="native" tabIndex={0} role="region" aria-label={label}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            {headings.map((c, i) => (
              <Table.Th scope="col" key={i}>
                {c}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
