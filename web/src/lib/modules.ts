// The shape every feature module of the web application registers itself with. The
// application keeps one list of modules (app/modules.ts) and derives its routes, its
// navigation and the dashboard from it, so a module is its folder plus one line there.
import { createContext, useContext, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';

export interface NavEntry {
  to: string;
  label: string;
  /** Shown only to callers with this permission. */
  permission?: string;
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

/** A control test as an action offered beside it sees it. */
export interface ControlTestRef {
  controlId: number;
  testId: number;
  result: string;
}

/**
 * Places in one module's pages where other modules may add something of their own,
 * so a page offers what later modules do without importing them: the control page's
 * tests list shows each module's actions on a test (raising a finding from a failed
 * one, say).
 */
export interface Slots {
  controlTestActions: ComponentType<ControlTestRef>;
}

export interface WebModule {
  name: string;
  nav?: NavEntry[];
  routes: ModuleRoute[];
  dashboard?: DashboardContribution;
  slots?: Partial<Slots>;
}

/** The application's modules, provided once by the app so pages can fill their slots. */
export const ModulesContext = createContext<WebModule[]>([]);

/** What the modules put in one slot, in the order of the module list. */
export function useSlot<K extends keyof Slots>(name: K): Slots[K][] {
  return useContext(ModulesContext).flatMap((m) => {
    const filler = m.slots?.[name];
    return filler ? [filler] : [];
  });
}
