// The audit trail as GET /api/audit-trail answers it.

/** The kinds of record the trail is about, as the API's `entity_type` filter takes them. */
export const ENTITY_TYPES = [
  'case',
  'control',
  'engagement',
  'finding',
  'framework',
  'kpi',
  'objective',
  'organization',
  'risk',
  'user',
  'vendor',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** One event of the organization's audit trail. */
export interface TrailRow {
  /** The event's number in the organization's own sequence, from 1. */
  position: number;
  event_id: string;
  at: string;
  type: string;
  entity_type: string;
  entity_id: number;
  /** 0 for someone not logged in or an operator. */
  actor_id: number;
  actor_name: string;
  ip: string;
  user_agent: string;
  request_id: string;
  changes: Record<string, { before: unknown; after: unknown }>;
  comment: string;
}
