// Formatting of history entries (pure).

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (Array.isArray(v)) return v.length ? v.map(formatValue).join(', ') : '[]';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const TYPE_LABELS: Record<string, string> = {
  RiskCreated: 'Created',
  RiskUpdated: 'Updated',
  RiskDeleted: 'Deleted',
  RiskResponseAdded: 'Response added',
  RiskResponseUpdated: 'Response updated',
  RiskControlMapped: 'Control mapped',
  RiskControlUnmapped: 'Control unmapped',
  FrameworkCreated: 'Created',
  RequirementAdded: 'Requirement added',
  ControlCreated: 'Created',
  ControlUpdated: 'Updated',
  ControlStatusChanged: 'Status changed',
  ControlTestRecorded: 'Test recorded',
  ControlEffectivenessUpdated: 'Effectiveness changed',
  ControlMappedToRequirement: 'Requirement mapped',
  ControlUnmappedFromRequirement: 'Requirement unmapped',
};

/**
 * A readable label for an event type: the risk and control events have shorter ones
 * (their page already names the record); any other type reads as its words, so a new
 * module's events need no entry here ("EngagementPhaseChanged" reads "Engagement
 * phase changed").
 */
export function eventLabel(type: string): string {
  const known = TYPE_LABELS[type];
  if (known) return known;
  const words = type.split(/(?=[A-Z][a-z])/).filter(Boolean);
  if (words.length < 2) return type;
  return words.map((w, i) => (i === 0 ? w : w.toLowerCase())).join(' ');
}

/** "2026-01-31T12:00" (datetime-local, local time) -> RFC 3339 UTC, or null if invalid. */
export function localToRfc3339(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** RFC 3339 -> value for a datetime-local input, in local time. */
export function rfc3339ToLocal(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
