// Objectives and KPIs: what the organization aims at, the indicators measured against
// those aims period by period (corrections kept), and how each stands against its target.
import { lazy } from 'react';
import type { WebModule } from '../../lib/modules';
import { KpiFormPage } from './pages/KpiFormPage';
import { KpiPage } from './pages/KpiPage';
import { KpisListPage } from './pages/KpisListPage';
import { ObjectiveFormPage } from './pages/ObjectiveFormPage';
import { ObjectivePage } from './pages/ObjectivePage';
import { ObjectivesPage } from './pages/ObjectivesPage';

export type { Kpi, Objective, PerformanceEntry } from './types';

export const kpisModule: WebModule = {
  name: 'kpis',
  nav: [
    { to: '/kpis', label: 'KPIs', permission: 'kpis:read' },
    { to: '/objectives', label: 'Objectives', permission: 'kpis:read' },
  ],
  routes: [
    { path: 'kpis', element: <KpisListPage /> },
    { path: 'kpis/new', element: <KpiFormPage /> },
    { path: 'kpis/:id', element: <KpiPage /> },
    { path: 'kpis/:id/edit', element: <KpiFormPage /> },
    { path: 'objectives', element: <ObjectivesPage /> },
    { path: 'objectives/new', element: <ObjectiveFormPage /> },
    { path: 'objectives/:id', element: <ObjectivePage /> },
    { path: 'objectives/:id/edit', element: <ObjectiveFormPage /> },
  ],
  dashboard: {
    cards: [
      { count: 'kpis_off_target', label: 'KPIs off target', to: '/kpis?on_target=false', permission: 'kpis:read' },
      {
        count: 'kpis_stale',
        label: 'Stale KPIs (a value is overdue)',
        to: '/kpis?stale=true',
        permission: 'kpis:read',
      },
    ],
    Charts: lazy(() => import('./Dashboard')),
  },
};
