import { Badge } from '@mantine/core';
import { controlStatusColor, effectivenessColor } from '../lib/controls';

export function EffectivenessBadge({ value }: { value: string }) {
  return <Badge color={effectivenessColor(value)}>{value}</Badge>;
}

export function ControlStatusBadge({ value }: { value: string }) {
  return (
    <Badge color={controlStatusColor(value)} variant={value === 'Archived' ? 'outline' : 'filled'}>
      {value}
    </Badge>
  );
}
