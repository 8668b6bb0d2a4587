// The control library: controls, their tests and ratings, frameworks and requirements.
import { lazy } from 'react';
import type { WebModule } from '../../lib/modules';
import { ControlFormPage } from './pages/ControlFormPage';
import { ControlPage } from './pages/ControlPage';
import { ControlsListPage } from './pages/ControlsListPage';
import { FrameworkPage } from './pages/FrameworkPage';
import { FrameworksListPage } from './pages/FrameworksListPage';

export type { Control, ControlSummary, ControlStatus, Effectiveness } from './types';
export { controlLabel } from './controls';
export { ControlBadgeCells, ControlStatusBadge, EffectivenessBadge } from './components/ControlBadges';

export const controlsModule: WebModule = {
  name: 'controls',
  nav: [
    { to: '/controls', label: 'Controls' },
    { to: '/frameworks', label: 'Frameworks' },
  ],
  routes: [
    { path: 'controls', element: <ControlsListPage /> },
    { path: 'controls/new', element: <ControlFormPage /> },
    { path: 'controls/:id', element: <ControlPage /> },
    { path: 'controls/:id/edit', element: <ControlFormPage /> },
    { path: 'frameworks', element: <FrameworksListPage /> },
    { path: 'frameworks/:id', element: <FrameworkPage /> },
  ],
  dashboard: {
    cards: [
      {
        count: 'controls_active',
        label: 'Active controls',
        to: '/controls?status=Active',
        permission: 'controls:read',
      },
      {
        count: 'controls_ineffective',
        label: 'Active controls rated Ineffective',
        to: '/controls?status=Active&effectiveness=Ineffective',
        permission: 'controls:read',
      },
    ],
    Charts: lazy(() => import('./Dashboard')),
  },
};
