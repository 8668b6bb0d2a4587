// Badges of vendor values. Filled colours dark enough for white text at WCAG AA (yellow
// gets dark text from the theme's autoContrast); the text always says the value, and the
// overdue review carries an icon too, so nothing depends on colour alone.
import { Badge } from '@mantine/core';
import { criticalityLabel, statusLabel } from '../rules';

const whole = { minWidth: 'max-content' } as const;

const TIER_COLORS: Record<string, string> = {
  Low: '#1e6b30',
  Medium: 'yellow',
  High: '#a63a0c',
  Critical: 'red.9',
};
const CRITICALITY_COLORS: Record<string, string> = {
  low: '#495057',
  medium: '#1864ab',
  high: '#5f3dc4',
  critical: '#862e9c',
};
const STATUS_COLORS: Record<string, string> = {
  onboarding: '#1864ab',
  active: '#1e6b30',
  offboarded: '#495057',
};

export function TierBadge({ value }: { value: string }) {
  return (
    <Badge color={TIER_COLORS[value] ?? '#495057'} style={whole}>
      {value}
    </Badge>
  );
}

export function CriticalityBadge({ value }: { value: string }) {
  return (
    <Badge color={CRITICALITY_COLORS[value] ?? '#495057'} variant="outline" style={whole}>
      {criticalityLabel(value)}
    </Badge>
  );
}

export function VendorStatusBadge({ value }: { value: string }) {
  return (
    <Badge color={STATUS_COLORS[value] ?? '#495057'} variant="light" style={whole}>
      {statusLabel(value)}
    </Badge>
  );
}

/** "Review overdue" with a warning sign. */
export function OverdueBadge({ title }: { title?: string }) {
  return (
    <Badge
      color="red.9"
      variant="outline"
      style={whole}
      title={title}
      leftSection={
        <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
          <path d="M6 1 11.5 11h-11Z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
          <path d="M6 4.6v3M6 9.2v.2" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
        </svg>
      }
    >
      Review overdue
    </Badge>
  );
}
