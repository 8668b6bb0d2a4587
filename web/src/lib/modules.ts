// The shape every feature module of the web application registers itself with. The
// application keeps one list of modules (app/modules.ts) and derives its routes, its
// navigation and the dashboard from it, so a module is its folder plus one line there.
import type { ComponentType, LazyExoticComponent, ReactNode } from 'react';

export interface NavEntry {
  to: string;
  label: string;
}

export interface ModuleRoute {
  /** Path under the signed-in layout, without a leading slash ('' for the index page). */
  path: string;
  element: ReactNode;
}

/** A number on the dashboard, read from GET /api/dashboard under `count`. */
export interface DashboardCard {
  count: string;
  label: string;
  /** The list the number counts, filtered the same way. */
  to?: string;
  /** Shown only to callers with this permission. */
  permission?: string;
}

export interface DashboardContribution {
  cards?: DashboardCard[];
  /**
   * The module's chart cards, rendered inside the dashboard's grid. Lazy, so the chart
   * library loads with the dashboard and never with the first page.
   */
  Charts?: LazyExoticComponent<ComponentType>;
}

export interface WebModule {
  name: string;
  nav?: NavEntry[];
  routes: ModuleRoute[];
  dashboard?: DashboardContribution;
}
