// KPI periods (pure): how a period is written for each frequency (`YYYY-MM`, `YYYY-Qn`,
// `YYYY`), where it begins and ends, when its value is due, and how people read it. The
// server decides in the end; these keep the value form from sending what it would refuse.
import type { Frequency } from './types';

const PATTERNS: Record<Frequency, RegExp> = {
  monthly: /^(\d{4})-(0[1-9]|1[0-2])$/,
  quarterly: /^(\d{4})-Q([1-4])$/,
  annual: /^(\d{4})$/,
};

/** How a period of each frequency is written, for field descriptions. */
export const PERIOD_FORMATS: Record<Frequency, string> = {
  monthly: 'a month, written YYYY-MM (2026-03)',
  quarterly: 'a quarter, written YYYY-Qn (2026-Q1)',
  annual: 'a year, written YYYY (2026)',
};

/**
 * Days after a period's last day by which its value is due: past them a KPI without that
 * value (or a later one) is stale.
 */
export const GRACE_DAYS: Record<Frequency, number> = { monthly: 32, quarterly: 95, annual: 370 };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

interface Parts {
  frequency: Frequency;
  year: number;
  /** Month (1-12), quarter (1-4) or 1 for a year. */
  index: number;
}

function parse(period: string): Parts | null {
  for (const frequency of ['monthly', 'quarterly', 'annual'] as const) {
    const m = PATTERNS[frequency].exec(period);
    if (!m) continue;
    const year = Number(m[1]);
    if (year < 1) return null;
    return { frequency, year, index: m[2] ? Number(m[2]) : 1 };
  }
  return null;
}

function write({ frequency, year, index }: Parts): string {
  if (frequency === 'monthly') return `${pad(year, 4)}-${pad(index)}`;
  if (frequency === 'quarterly') return `${pad(year, 4)}-Q${index}`;
  return pad(year, 4);
}

/** The frequency a period is written for, or null when it is no period at all. */
export function frequencyOf(period: string): Frequency | null {
  return parse(period)?.frequency ?? null;
}

/** Today's date in UTC, as the server counts days. */
export function todayUtc(now: Date = new Date()): Date {
  return utcDay(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** The period of `frequency` that holds the (UTC) day `day`. */
export function periodOf(frequency: Frequency, day: Date): string {
  const year = day.getUTCFullYear();
  const month = day.getUTCMonth() + 1;
  const index = frequency === 'monthly' ? month : frequency === 'quarterly' ? Math.ceil(month / 3) : 1;
  return write({ frequency, year, index });
}

function monthsOf(p: Parts): { first: number; last: number } {
  if (p.frequency === 'monthly') return { first: p.index, last: p.index };
  if (p.frequency === 'quarterly') return { first: p.index * 3 - 2, last: p.index * 3 };
  return { first: 1, last: 12 };
}

/** A UTC day; years below 100 stay themselves (Date.UTC would read 26 as 1926). */
function utcDay(year: number, month0: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  return d;
}

/** The first day of a period (UTC), or null for a malformed period. */
export function periodStart(period: string): Date | null {
  const p = parse(period);
  return p ? utcDay(p.year, monthsOf(p).first - 1, 1) : null;
}

/** The last day of a period (UTC), or null for a malformed period. */
export function periodEnd(period: string): Date | null {
  const p = parse(period);
  // Day 0 of the month after the last is the last day of the last.
  return p ? utcDay(p.year, monthsOf(p).last, 0) : null;
}

/** The day by which a period's value is due: its last day plus the frequency's grace. */
export function dueDate(period: string): Date | null {
  const p = parse(period);
  const end = periodEnd(period);
  if (!p || !end) return null;
  return new Date(end.getTime() + GRACE_DAYS[p.frequency] * 86_400_000);
}

/** The period before `period`, of the same frequency. */
export function previousPeriod(period: string): string | null {
  const p = parse(period);
  if (!p) return null;
  const per = p.frequency === 'monthly' ? 12 : p.frequency === 'quarterly' ? 4 : 1;
  if (p.index > 1) return write({ ...p, index: p.index - 1 });
  if (p.year <= 1) return null;
  return write({ ...p, year: p.year - 1, index: per });
}

/** The period after `period`, of the same frequency. */
export function nextPeriod(period: string): string | null {
  const p = parse(period);
  if (!p) return null;
  const per = p.frequency === 'monthly' ? 12 : p.frequency === 'quarterly' ? 4 : 1;
  if (p.index < per) return write({ ...p, index: p.index + 1 });
  if (p.year >= 9999) return null;
  return write({ ...p, year: p.year + 1, index: 1 });
}

/**
 * The period a new value is most likely for: the one after the latest period with a
 * value, once it has begun; without values, the last period that has ended.
 */
export function defaultPeriod(frequency: Frequency, today: Date, latest?: string | null): string {
  const current = periodOf(frequency, today);
  if (latest && frequencyOf(latest) === frequency) {
    const next = nextPeriod(latest);
    const start = next ? periodStart(next) : null;
    if (next && start && start.getTime() <= todayUtc(today).getTime()) return next;
    return latest < current ? latest : current;
  }
  return previousPeriod(current) ?? current;
}

/** "March 2026", "Q1 2026", "2026"; anything else as given. */
export function periodLabel(period: string): string {
  const p = parse(period);
  if (!p) return period;
  if (p.frequency === 'monthly') return `${MONTHS[p.index - 1]} ${p.year}`;
  if (p.frequency === 'quarterly') return `Q${p.index} ${p.year}`;
  return String(p.year);
}

/** "2026-03-05" for a UTC date. */
export function isoDay(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * What is wrong with `period` as a period of a KPI of `frequency` on `today` (UTC), in
 * the server's words where it has some; '' when it may be sent.
 */
export function periodError(frequency: Frequency, period: string, today: Date): string {
  const p = period.trim();
  if (!p) return 'is required';
  const parts = parse(p);
  if (!parts) return `must be ${PERIOD_FORMATS[frequency]}`;
  if (parts.frequency !== frequency) {
    const article = parts.frequency === 'annual' ? 'an' : 'a';
    return `is ${article} ${parts.frequency} period, but this KPI is ${frequency}: give ${PERIOD_FORMATS[frequency]}`;
  }
  const start = periodStart(p);
  if (start && start.getTime() > todayUtc(today).getTime()) return 'has not begun yet';
  return '';
}

/** The parts a quarterly or annual period input edits: the year and the quarter ('' when unset). */
export function splitPeriod(period: string): { year: string; quarter: string; month: string } {
  const m = /^(\d{0,4})(?:-(?:Q(\d?)|(\d{2})))?$/.exec(period);
  if (!m) return { year: '', quarter: '', month: '' };
  return { year: m[1] ?? '', quarter: m[2] ?? '', month: m[3] ?? '' };
}

/** A quarterly period from its year and quarter, kept partial ("2026-Q", "-Q2") while one is missing. */
export function quarterPeriod(year: string, quarter: string): string {
  return year || quarter ? `${year}-Q${quarter}` : '';
}
