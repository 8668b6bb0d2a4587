// Badges of audit values. Filled colours dark enough for white text at WCAG AA; yellow
// gets dark text from the theme's autoContrast. The text always says the value, so
// nothing depends on the colour alone.
import { Badge } from '@mantine/core';

// Badges never shrink below their text: in a narrow table column Mantine would cut it short.
const whole = { minWidth: 'max-content' } as const;

const SEVERITY_COLORS: Record<string, string> = {
  Low: '#1e6b30',
  Medium: 'yellow',
  High: '#a63a0c',
  Critical: 'red',
};

const FINDING_STATUS_COLORS: Record<string, string> = {
  Open: 'indigo',
  Approved: '#1e6b30',
  Closed: '#495057',
};

const ENGAGEMENT_STATUS_COLORS: Record<string, string> = {
  'On Track': '#1e6b30',
  'At Risk': 'yellow',
  Delayed: '#a63a0c',
  Cancelled: '#495057',
};

export function SeverityBadge({ value }: { value: string }) {
  return (
    <Badge color={SEVERITY_COLORS[value] ?? '#495057'} style={whole}>
      {value}
    </Badge>
  );
}

export function FindingStatusBadge({ value }: { value: string }) {
  return (
    <Badge color={FINDING_STATUS_COLORS[value] ?? '#495057'} style={whole}>
      {value}
    </Badge>
  );
}

export function EngagementStatusBadge({ value }: { value: string }) {
  return (
    <Badge
      color={ENGAGEMENT_STATUS_COLORS[value] ?? '#495057'}
      variant={value === 'Cancelled' ? 'outline' : 'filled'}
      style={whole}
    >
      {value}
    </Badge>
  );
}

export function OverdueBadge() {
  return (
    <Badge color="red" variant="filled" style={whole}>
      Overdue
    </Badge>
  );
}

const PROCEDURE_STATUS_LABELS: Record<string, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  done: 'Done',
};

export function procedureStatusLabel(s: string): string {
  return PROCEDURE_STATUS_LABELS[s] ?? s.replace(/_/g, ' ');
}
