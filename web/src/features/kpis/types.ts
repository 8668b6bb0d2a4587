// Objectives and KPIs (API.md: KPIs and objectives): an objective groups KPIs; a KPI has a
// target, a direction and a frequency, and one value per period.
export const FREQUENCIES = ['monthly', 'quarterly', 'annual'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const DIRECTIONS = ['higher_is_better', 'lower_is_better'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const KPI_SORTS = ['name', '-name', 'updated_at', '-updated_at'] as const;
export type KpiSort = (typeof KPI_SORTS)[number];

export interface Kpi {
  id: number;
  name: string;
  description: string;
  unit: string;
  target: number;
  direction: Direction;
  frequency: Frequency;
  owner_id: number | null;
  objective_id: number | null;
  objective_name: string | null;
  latest_value: number | null;
  latest_period: string | null;
  /** The latest period's value against the target; null without a value. */
  on_target: boolean | null;
  stale: boolean;
  /** The most recent period a value is due for by today; null when none is due yet. */
  last_due_period: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Objective {
  id: number;
  name: string;
  description: string;
  owner_id: number | null;
  period_start: string | null;
  period_end: string | null;
  kpi_count: number;
  on_target_count: number;
  created_at: string;
  updated_at: string;
  version: number;
  /** Detail only: the objective's KPIs by name (the first 500). */
  kpis?: Kpi[];
}

/**
 * An objective as it stood at a past instant (`GET /api/objectives/:id?as_of=`): its own
 * fields only. Which KPIs served it then is kept in the KPIs' events, not the objective's,
 * so the KPIs and their counts are null.
 */
export type PastObjective = Omit<Objective, 'kpi_count' | 'on_target_count' | 'kpis'> & {
  kpi_count: null;
  on_target_count: null;
  kpis: null;
};

/** One value recorded for a period, or one correction of it (GET /api/kpis/:id/performance). */
export interface PerformanceEntry {
  period: string;
  value: number;
  comment: string;
  recorded_by: number;
  recorded_by_name: string;
  recorded_at: string;
  corrected: boolean;
  previous_value: number | null;
}
