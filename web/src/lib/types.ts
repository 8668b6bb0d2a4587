// Types every module shares: accounts, list pages, histories and charts.
export interface User {
  id: number;
  email: string;
  name: string;
  disabled: boolean;
}
export interface Organization {
  id: number;
  name: string;
  role: string;
}
export interface AuthStatus {
  authenticated: boolean;
  user?: User;
  organization?: Organization;
  organizations?: Organization[];
  permissions?: string[];
}
export interface Member extends User {
  role: string;
}

export interface ListMeta {
  total: number;
  /** True where the list stopped counting and `total` is a floor (past 1,000 rows; the trail, 10,000). */
  total_capped?: boolean;
  limit: number;
  next_cursor: string | null;
}

export interface HistoryEntry {
  version: number;
  event_id: string;
  type: string;
  recorded_at: string;
  actor: { id: number; name: string };
  correlation_id: string;
  ip?: string;
  user_agent?: string;
  changes: { field: string; before: unknown; after: unknown }[];
}

export interface Chart {
  chart_type: string;
  labels: string[];
  values: number[];
}

export interface DashboardCounts {
  risks_open: number;
  risks_high: number;
  [key: string]: number;
}

export interface PersonRef {
  id: number;
  name: string;
}
