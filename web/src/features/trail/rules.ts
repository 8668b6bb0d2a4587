// How a trail row reads (pure): the page of the record it is about, the link to that
// record as it stood right after the event, and its changes as "field: before → after".
import { formatValue } from '../../lib/history';
import type { TrailRow } from './types';

/** Where each kind of record has its own page; other kinds are shown without a link. */
const RECORD_PAGES: Record<string, string> = {
  risk: '/risks',
  control: '/controls',
  vendor: '/vendors',
  kpi: '/kpis',
  case: '/cases',
  engagement: '/engagements',
  finding: '/findings',
  framework: '/frameworks',
  objective: '/objectives',
};

/**
 * The kinds of record whose page reads `?as_of=` and shows the record as it stood then.
 * A page that learns to do so is added here.
 */
export const AS_OF_PAGES: readonly string[] = [
  'risk',
  'control',
  'vendor',
  'kpi',
  'case',
  'engagement',
  'finding',
  'framework',
  'objective',
];

/** "risk" -> "Risk", "kpi" -> "KPI". */
export function entityLabel(type: string): string {
  if (type === 'kpi') return 'KPI';
  return type ? type[0].toUpperCase() + type.slice(1) : type;
}

/** The record's page, or null when its kind has none (a user, the organization) or the row names no record. */
export function recordHref(row: Pick<TrailRow, 'entity_type' | 'entity_id'>): string | null {
  const base = RECORD_PAGES[row.entity_type];
  return base && row.entity_id > 0 ? `${base}/${row.entity_id}` : null;
}

/** The record's page showing it right after the event, where that page can; null otherwise. */
export function asOfHref(row: Pick<TrailRow, 'entity_type' | 'entity_id' | 'at'>): string | null {
  const href = recordHref(row);
  if (!href || !AS_OF_PAGES.includes(row.entity_type)) return null;
  return `${href}?${new URLSearchParams({ as_of: row.at })}`;
}

export interface ChangeLine {
  field: string;
  before: string;
  after: string;
}

/** "owner_id" -> "owner", the part a sibling "owner_name" shares. */
const idStem = (field: string) => (field.endsWith('_id') ? field.slice(0, -3) : null);

/** Fields, under any prefix ("responses.1.owner_id"), whose value is a member's id. */
const PERSON_FIELDS = new Set([
  'owner_id',
  'assignee_id',
  'reviewer_id',
  'lead_auditor_id',
  'user_id',
  'signed_off_by',
  'submitted_by',
]);

const lastSegment = (field: string) => field.slice(field.lastIndexOf('.') + 1);

/**
 * The row's changes, one line per field in the order the API gave them, values written
 * plainly. People are named rather than numbered: where an event carries a name beside
 * an id ("assignee_id" and "assignee_name") the name alone is shown, and a member's id
 * reads as the member's name when `personName` knows it.
 */
export function changeLines(
  changes: TrailRow['changes'] | null | undefined,
  personName?: (id: number) => string,
): ChangeLine[] {
  const entries = Object.entries(changes ?? {});
  const names = new Set(entries.map(([field]) => field));
  return entries
    .filter(([field]) => {
      const stem = idStem(field);
      return !(stem && names.has(`${stem}_name`));
    })
    .map(([field, c]) => {
      const person = personName && PERSON_FIELDS.has(lastSegment(field));
      const value = (v: unknown) => (person && typeof v === 'number' ? personName(v) : formatValue(v));
      return {
        field: (person ? (idStem(field) ?? field) : field).replace(/_/g, ' '),
        before: value(c?.before),
        after: value(c?.after),
      };
    });
}
