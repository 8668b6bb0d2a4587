import { Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A scrollable table with a header row of column headings (`scope="col"`); false entries of
 * `columns` are left out. `empty`, when given, is shown as the only row, across every column.
 * `label`, when given, names the scroll container as a region that takes keyboard focus,
 * for a table that may hold no link or button and could otherwise not be scrolled
 * sideways without a mouse.
 */
export function DataTable({
  minWidth,
  columns,
  striped,
  highlightOnHover,
  empty,
  label,
  children,
}: {
  minWidth: number;
  columns: ReactNode[];
  striped?: boolean;
  highlightOnHover?: boolean;
  empty?: ReactNode;
  label?: string;
  children: ReactNode;
}) {
  const headings = columns.filter((c) => c !== false);
  const focusable = label ? ({ type: 'native', tabIndex: 0, role: 'region', 'aria-label': label } as const) : {};
  return (
    <Table.ScrollContainer minWidth={minWidth} {...focusable}>
      <Table striped={striped} highlightOnHover={highlightOnHover}>
        <Table.Thead>
          <Table.Tr>
            {headings.map((c, i) => (
              <Table.Th scope="col" key={i}>
                {c}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {empty ? (
            <Table.Tr>
              <Table.Td colSpan={headings.length}>
                <Text c="dimmed">{empty}</Text>
              </Table.Td>
            </Table.Tr>
          ) : null}
          {children}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
