// Audit management: engagements with their phases and procedures, findings with their
// status, management responses and histories.
import { lazy } from 'react';
import type { WebModule } from '../../lib/modules';
import { EngagementFormPage } from './pages/EngagementFormPage';
import { EngagementPage } from './pages/EngagementPage';
import { EngagementsListPage } from './pages/EngagementsListPage';
import { FindingFormPage } from './pages/FindingFormPage';
import { FindingPage } from './pages/FindingPage';
import { FindingsListPage } from './pages/FindingsListPage';
import { RaiseFromTest } from './components/RaiseFromTest';

export type { Engagement, Finding, Procedure } from './types';

export const auditsModule: WebModule = {
  name: 'audits',
  nav: [
    { to: '/engagements', label: 'Engagements' },
    { to: '/findings', label: 'Findings' },
  ],
  routes: [
    { path: 'engagements', element: <EngagementsListPage /> },
    { path: 'engagements/new', element: <EngagementFormPage /> },
    { path: 'engagements/:id', element: <EngagementPage /> },
    { path: 'engagements/:id/edit', element: <EngagementFormPage /> },
    { path: 'findings', element: <FindingsListPage /> },
    { path: 'findings/new', element: <FindingFormPage /> },
    { path: 'findings/:id', element: <FindingPage /> },
    { path: 'findings/:id/edit', element: <FindingFormPage /> },
  ],
  dashboard: {
    cards: [
      {
        count: 'engagements_active',
        label: 'Active engagements',
        to: '/engagements?active=true',
        permission: 'audits:read',
      },
      { count: 'findings_open', label: 'Open findings', to: '/findings?open=true', permission: 'audits:read' },
      {
        count: 'findings_overdue',
        label: 'Overdue findings',
        to: '/findings?overdue=true',
        permission: 'audits:read',
      },
    ],
    Charts: lazy(() => import('./Dashboard')),
  },
  slots: { controlTestActions: RaiseFromTest },
};
