// Badges of case and evidence values. Filled colours dark enough for white text at WCAG
// AA (yellow gets dark text from the theme's autoContrast); the text always says the
// value, so nothing depends on colour alone.
import { Badge } from '@mantine/core';
import { priorityLabel, statusLabel } from '../rules';

// Badges never shrink below their text: in a narrow table column Mantine would cut it short.
const whole = { minWidth: 'max-content' } as const;

const STATUS_COLORS: Record<string, string> = {
  new: 'indigo',
  assigned: '#1864ab',
  in_progress: '#5f3dc4',
  review: '#a63a0c',
  completed: '#495057',
};

const PRIORITY_COLORS: Record<string, string> = {
  low: '#1e6b30',
  medium: 'yellow',
  high: '#a63a0c',
  urgent: 'red',
};

export function CaseStatusBadge({ value }: { value: string }) {
  return (
    <Badge color={STATUS_COLORS[value] ?? '#495057'} style={whole}>
      {statusLabel(value)}
    </Badge>
  );
}

export function PriorityBadge({ value }: { value: string }) {
  return (
    <Badge color={PRIORITY_COLORS[value] ?? '#495057'} style={whole}>
      {priorityLabel(value)}
    </Badge>
  );
}

/** A padlock beside the word: the case is visible only to admins, its assignee and its creator. */
export function ConfidentialBadge() {
  return (
    <Badge
      color="#862e9c"
      variant="outline"
      style={whole}
      leftSection={
        <svg width="10" height="12" viewBox="0 0 10 12" aria-hidden="true" focusable="false">
          <path
            d="M2 5V3.5a3 3 0 0 1 6 0V5h.5A1.5 1.5 0 0 1 10 6.5v4A1.5 1.5 0 0 1 8.5 12h-7A1.5 1.5 0 0 1 0 10.5v-4A1.5 1.5 0 0 1 1.5 5H2Zm1.5 0h3V3.5a1.5 1.5 0 0 0-3 0V5Z"
            fill="currentColor"
          />
        </svg>
      }
    >
      Confidential
    </Badge>
  );
}

const INTEGRITY: Record<string, { label: string; color: string; variant: 'filled' | 'outline' }> = {
  unverified: { label: 'Not verified yet', color: '#495057', variant: 'outline' },
  match: { label: 'Intact (hash matches)', color: '#1e6b30', variant: 'filled' },
  mismatch: { label: 'Altered (hash mismatch)', color: 'red.9', variant: 'filled' },
};

export function IntegrityBadge({ value }: { value: string }) {
  const i = INTEGRITY[value] ?? { label: value, color: '#495057', variant: 'outline' as const };
  return (
    <Badge color={i.color} variant={i.variant} style={whole}>
      {i.label}
    </Badge>
  );
}
