// Investigations: cases with their status, assignee and priority, their evidence files
// with hashes and chain of custody, and their histories. Only those who investigate
// (cases:read) see any of it.
import { lazy } from 'react';
import type { WebModule } from '../../lib/modules';
import { CaseFormPage } from './pages/CaseFormPage';
import { CasePage } from './pages/CasePage';
import { CasesListPage } from './pages/CasesListPage';

export type { Case, Evidence } from './types';

export const casesModule: WebModule = {
  name: 'cases',
  nav: [{ to: '/cases', label: 'Cases', permission: 'cases:read' }],
  routes: [
    { path: 'cases', element: <CasesListPage /> },
    { path: 'cases/new', element: <CaseFormPage /> },
    { path: 'cases/:id', element: <CasePage /> },
    { path: 'cases/:id/edit', element: <CaseFormPage /> },
  ],
  dashboard: {
    cards: [
      { count: 'cases_open', label: 'Open cases', to: '/cases?open=true&view=board', permission: 'cases:read' },
      {
        count: 'cases_urgent',
        label: 'Urgent open cases',
        to: '/cases?open=true&priority=urgent&view=board',
        permission: 'cases:read',
      },
    ],
    Charts: lazy(() => import('./Dashboard')),
  },
};
