// How KPIs read to people (pure): on or off target in words, the target with its
// direction, staleness, values with their unit, an objective's progress, and the lists
// the dashboard's KPI figures open.
import { dueDate, isoDay, periodLabel } from './periods';
import type { Direction, Frequency, Kpi, Objective, PerformanceEntry } from './types';

export type TargetState = 'on' | 'off' | 'none';

/** The KPI's standing against its target: on, off, or no value to judge by. */
export function targetState(onTarget: boolean | null | undefined): TargetState {
  return onTarget === true ? 'on' : onTarget === false ? 'off' : 'none';
}

export const TARGET_LABELS: Record<TargetState, string> = {
  on: 'On target',
  off: 'Off target',
  none: 'No data',
};

const FREQUENCY_LABELS: Record<Frequency, string> = { monthly: 'Monthly', quarterly: 'Quarterly', annual: 'Annual' };
const DIRECTION_LABELS: Record<Direction, string> = {
  higher_is_better: 'Higher is better',
  lower_is_better: 'Lower is better',
};

export const frequencyLabel = (f: string) => FREQUENCY_LABELS[f as Frequency] ?? f;
export const directionLabel = (d: string) => DIRECTION_LABELS[d as Direction] ?? d.replace(/_/g, ' ');

/** A number as people read it: at most four decimals, no trailing zeros. */
export function formatNumber(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10_000) / 10_000) : String(n);
}

/** "97%", "290 EUR thousand", "12": a value with its unit (a percent sign sits close). */
export function formatMeasure(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '—';
  const n = formatNumber(value);
  if (!unit) return n;
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/** "At least 95%" (higher is better) or "At most 250 EUR thousand" (lower is better). */
export function targetText(k: Pick<Kpi, 'target' | 'direction' | 'unit'>): string {
  const bound = k.direction === 'lower_is_better' ? 'At most' : 'At least';
  return `${bound} ${formatMeasure(k.target, k.unit)}`;
}

/** Whether `value` meets the target by the KPI's direction (at it counts as meeting it). */
export function meetsTarget(value: number, k: Pick<Kpi, 'target' | 'direction'>): boolean {
  return k.direction === 'lower_is_better' ? value <= k.target : value >= k.target;
}

/** One sentence on the KPI's standing, for the detail page and screen readers. */
export function standingText(k: Kpi): string {
  const state = targetState(k.on_target);
  if (state === 'none' || k.latest_value === null || !k.latest_period) return 'No value recorded yet.';
  const value = formatMeasure(k.latest_value, k.unit);
  const when = periodLabel(k.latest_period);
  return `${TARGET_LABELS[state]}: ${value} for ${when} (target ${targetText(k).toLowerCase()}).`;
}

/**
 * Why the KPI is stale, or null when it is not: the period it owes a value for and when
 * that value was due.
 */
export function staleText(k: Pick<Kpi, 'stale' | 'last_due_period'>): string | null {
  if (!k.stale) return null;
  if (!k.last_due_period) return 'Stale: a value is overdue.';
  const due = dueDate(k.last_due_period);
  return `Stale: no value for ${periodLabel(k.last_due_period)}${due ? `, due by ${isoDay(due)}` : ''}.`;
}

/** Each period's current value (its last entry), oldest period first. */
export function currentValues(entries: PerformanceEntry[]): { period: string; value: number }[] {
  const byPeriod = new Map<string, number>();
  for (const e of entries) byPeriod.set(e.period, e.value);
  return [...byPeriod.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([period, value]) => ({ period, value }));
}

/** The value `period` has now, or undefined when it has none. */
export function valueOf(entries: PerformanceEntry[], period: string): number | undefined {
  let v: number | undefined;
  for (const e of entries) if (e.period === period) v = e.value;
  return v;
}

/** An objective's progress: the share of its KPIs on target, and the same in words. */
export function objectiveProgress(o: Pick<Objective, 'kpi_count' | 'on_target_count'>): {
  percent: number;
  text: string;
} {
  const percent = o.kpi_count > 0 ? Math.round((o.on_target_count / o.kpi_count) * 100) : 0;
  const text =
    o.kpi_count === 0
      ? 'No KPIs yet'
      : `${o.on_target_count} of ${o.kpi_count} KPI${o.kpi_count === 1 ? '' : 's'} on target (${percent}%)`;
  return { percent, text };
}

/** "2026-01-01 to 2026-12-31", "from 2026-01-01", "—". */
export function periodRange(o: Pick<Objective, 'period_start' | 'period_end'>): string {
  if (o.period_start && o.period_end) return `${o.period_start} to ${o.period_end}`;
  if (o.period_start) return `from ${o.period_start}`;
  if (o.period_end) return `until ${o.period_end}`;
  return '—';
}

/** The KPI list a bar of the kpis_on_target chart counts. */
export function kpisOnTargetHref(label: string): string {
  if (label === TARGET_LABELS.on) return '/kpis?on_target=true';
  if (label === TARGET_LABELS.off) return '/kpis?on_target=false';
  return '/kpis?has_value=false';
}
