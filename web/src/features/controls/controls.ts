// Pure helpers of the control library screens: colours, labels, form <-> API bodies,
// framework import (content type, per-line errors), effectiveness history wording.
import { ApiError } from '../../lib/api';
import type {
  Control,
  ControlStatus,
  ControlSummary,
  ControlTest,
  ControlType,
  Effectiveness,
  EffectivenessChange,
  Frequency,
} from './types';

/**
 * Badge colours (filled badges). The dark shades keep white text above WCAG AA contrast;
 * yellow gets dark text from the theme's autoContrast.
 */
export const EFFECTIVENESS_COLORS: Record<Effectiveness, string> = {
  Effective: '#1e6b30',
  'Partially Effective': 'yellow',
  Ineffective: 'red',
  'Not Tested': '#495057',
};

/** Colours of the dashboard's effectiveness chart bars (no text on them). */
export const EFFECTIVENESS_BAR_COLORS: Record<string, string> = {
  Effective: '#2f9e44',
  'Partially Effective': '#fab005',
  Ineffective: '#e03131',
  'Not Tested': '#868e96',
};

export const CONTROL_STATUS_COLORS: Record<ControlStatus, string> = {
  Draft: '#495057',
  Active: 'indigo',
  Archived: 'dark',
};

export function effectivenessColor(e: string): string {
  return EFFECTIVENESS_COLORS[e as Effectiveness] ?? '#495057';
}

export function controlStatusColor(s: string): string {
  return CONTROL_STATUS_COLORS[s as ControlStatus] ?? '#495057';
}

const FREQUENCY_LABELS: Record<Frequency, string> = {
  continuous: 'Continuous',
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  quarterly: 'Quarterly',
  semiannual: 'Semiannual',
  annual: 'Annual',
  ad_hoc: 'Ad hoc',
};

export function frequencyLabel(f: string | null | undefined): string {
  if (!f) return '—';
  return FREQUENCY_LABELS[f as Frequency] ?? f.replace(/_/g, ' ');
}

export function typeLabel(t: ControlType | string | null | undefined): string {
  if (!t) return '—';
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** "AC-1 — Access reviews", with "(Archived)" when the control is archived. */
export function controlLabel(c: Pick<ControlSummary, 'code' | 'title' | 'status'>): string {
  return `${c.code} — ${c.title}${c.status === 'Archived' ? ' (Archived)' : ''}`;
}

/**
 * Who or what changed a control's effectiveness: the test that caused it ("Test #12 (Fail)")
 * or the person who set it by hand.
 */
export function effectivenessSource(change: EffectivenessChange, tests: ControlTest[] = []): string {
  if (change.test_id !== null && change.test_id !== undefined) {
    const test = tests.find((t) => t.id === change.test_id);
    return test ? `Test #${test.id} (${test.result})` : `Test #${change.test_id}`;
  }
  return change.changed_by?.name ?? 'Unknown';
}

// --- Framework import ---------------------------------------------------------------

/** Content-Type for a framework file, by its extension; null when neither CSV nor JSON. */
export function importContentType(fileName: string): 'text/csv' | 'application/json' | null {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (ext === 'csv') return 'text/csv';
  if (ext === 'json') return 'application/json';
  return null;
}

export interface LineError {
  /** Line number, or null for a problem that names no line (for example the file as a whole). */
  line: number | null;
  key: string;
  message: string;
}

const LINE_KEY = /^line\s+(\d+)$/i;

/**
 * The per-line errors of an import (`fields` keyed "line N"), sorted by line number;
 * problems without a line come first, in key order.
 */
export function importLineErrors(fields: Record<string, string> | undefined | null): LineError[] {
  const out: LineError[] = Object.entries(fields ?? {}).map(([key, message]) => {
    const m = LINE_KEY.exec(key.trim());
    return { line: m ? Number(m[1]) : null, key, message };
  });
  return out.sort((a, b) => {
    if (a.line === null && b.line === null) return a.key.localeCompare(b.key);
    if (a.line === null) return -1;
    if (b.line === null) return 1;
    return a.line - b.line;
  });
}

/** The line errors of an ApiError from an import, or [] for any other error. */
export function importErrorsOf(err: unknown): LineError[] {
  return err instanceof ApiError ? importLineErrors(err.fields) : [];
}

// --- Control form ---------------------------------------------------------------------

export interface ControlFormValues {
  code: string;
  title: string;
  description: string;
  framework_id: string; // '' = none
  status: ControlStatus;
  type: ControlType;
  frequency: Frequency;
  owner_id: string; // '' = none
}

export const CONTROL_FORM_FIELDS = [
  'code',
  'title',
  'description',
  'framework_id',
  'status',
  'type',
  'frequency',
  'owner_id',
] as const;

export const EMPTY_CONTROL_FORM: ControlFormValues = {
  code: '',
  title: '',
  description: '',
  framework_id: '',
  status: 'Draft',
  type: 'preventive',
  frequency: 'quarterly',
  owner_id: '',
};

const str = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
const numOrNull = (s: string) => (s.trim() === '' ? null : Number(s));

export function controlToForm(c: Control): ControlFormValues {
  return {
    code: c.code,
    title: c.title,
    description: c.description ?? '',
    framework_id: str(c.framework_id),
    status: c.status,
    type: c.type,
    frequency: c.frequency,
    owner_id: str(c.owner_id),
  };
}

/** Body of POST /api/controls. */
export function controlFormToCreate(v: ControlFormValues): Record<string, unknown> {
  return {
    code: v.code.trim(),
    title: v.title,
    description: v.description,
    framework_id: numOrNull(v.framework_id),
    status: v.status,
    type: v.type,
    frequency: v.frequency,
    owner_id: numOrNull(v.owner_id),
  };
}

/** Body of PUT /api/controls/:id: only the fields that differ from the control as loaded. */
export function controlFormToPatch(v: ControlFormValues, original: Control): Record<string, unknown> {
  const full = controlFormToCreate(v);
  const before = controlFormToCreate(controlToForm(original));
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(full)) {
    if (full[k] !== before[k]) patch[k] = full[k];
  }
  return patch;
}

/** Colour of the coverage ring: red under 50 %, yellow under 80 %, green from there. */
export function coverageColor(percent: number): string {
  if (percent >= 80) return '#2f9e44';
  if (percent >= 50) return '#f08c00';
  return '#e03131';
}

export const TEST_RESULT_COLORS: Record<string, string> = {
  Pass: '#1e6b30',
  Fail: 'red',
  Inconclusive: '#495057',
};
