import { Badge, Table } from '@mantine/core';
import { controlStatusColor, effectivenessColor } from '../controls';

// Badges never shrink below their text: in a narrow table column Mantine would cut it short.
const whole = { minWidth: 'max-content' } as const;

export function EffectivenessBadge({ value }: { value: string }) {
  return (
    <Badge color={effectivenessColor(value)} style={whole}>
      {value}
    </Badge>
  );
}

export function ControlStatusBadge({ value }: { value: string }) {
  return (
    <Badge color={controlStatusColor(value)} variant={value === 'Archived' ? 'outline' : 'filled'} style={whole}>
      {value}
    </Badge>
  );
}

/** The Status and Effectiveness cells of a control's table row. */
export function ControlBadgeCells({ control }: { control: { status: string; effectiveness: string } }) {
  return (
    <>
      <Table.Td>
        <ControlStatusBadge value={control.status} />
      </Table.Td>
      <Table.Td>
        <EffectivenessBadge value={control.effectiveness} />
      </Table.Td>
    </>
  );
}
