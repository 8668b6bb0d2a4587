// Badges of a KPI's standing: on or off target (or no data) and stale. Each says its
// state in words beside an icon, so nothing depends on colour alone; filled colours are
// dark enough for white text at WCAG AA.
import { Badge } from '@mantine/core';
import type { ReactNode } from 'react';
import { TARGET_LABELS, targetState } from '../rules';

// Badges never shrink below their text: in a narrow table column Mantine would cut it short.
const whole = { minWidth: 'max-content' } as const;

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const TICK = (
  <Icon>
    <path d="M1.5 6.5 4.5 9.5 10.5 2.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
  </Icon>
);
const CROSS = (
  <Icon>
    <path
      d="M2.5 2.5 9.5 9.5M9.5 2.5 2.5 9.5"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
    />
  </Icon>
);
const DASH = (
  <Icon>
    <path d="M2.5 6h7" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
  </Icon>
);
const CLOCK = (
  <Icon>
    <circle cx="6" cy="6" r="4.8" fill="none" stroke="currentColor" strokeWidth="1.5" />
    <path d="M6 3.2V6l2 1.4" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
  </Icon>
);

const TARGET_LOOK = {
  on: { color: '#1e6b30', variant: 'filled', icon: TICK },
  off: { color: 'red.9', variant: 'filled', icon: CROSS },
  none: { color: '#495057', variant: 'outline', icon: DASH },
} as const;

/** "On target" with a tick, "Off target" with a cross, "No data" with a dash. */
export function TargetBadge({ onTarget }: { onTarget: boolean | null | undefined }) {
  const state = targetState(onTarget);
  const look = TARGET_LOOK[state];
  return (
    <Badge color={look.color} variant={look.variant} leftSection={look.icon} style={whole}>
      {TARGET_LABELS[state]}
    </Badge>
  );
}

/** "Stale" with a clock: a value is overdue. */
export function StaleBadge({ title }: { title?: string }) {
  return (
    <Badge color="#a63a0c" variant="outline" leftSection={CLOCK} style={whole} title={title}>
      Stale
    </Badge>
  );
}
