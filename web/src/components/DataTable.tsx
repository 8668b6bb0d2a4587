import { Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A scrollable table with a header row of column headings (`scope="col"`); false entries of
 * `columns` are left out. `empty`, when given, is shown as the only row, across every column.
 */
export function DataTable({
  minWidth,
  columns,
  striped,
  highlightOnHover,
  empty,
  children,
}: {
  minWidth: number;
  columns: ReactNode[];
  striped?: boolean;
  highlightOnHover?: boolean;
  empty?: ReactNode;
  children: ReactNode;
}) {
  const headings = columns.filter((c) => c !== false);
  return (
    <Table.ScrollContainer minWidth={minWidth}>
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
