// Risk management: risks, their responses and their mapped controls.
import { lazy } from 'react';
import type { WebModule } from '../../lib/modules';
import { RiskFormPage } from './pages/RiskFormPage';
import { RiskPage } from './pages/RiskPage';
import { RisksListPage } from './pages/RisksListPage';

export type { Rating, Risk, RiskResponse, RiskSort, RiskStatus } from './types';
export { RATINGS, RISK_STATUSES } from './types';
export { RATING_COLORS, ratingOf } from './heatmap';

export const risksModule: WebModule = {
  name: 'risks',
  nav: [{ to: '/risks', label: 'Risks' }],
  routes: [
    { path: 'risks', element: <RisksListPage /> },
    { path: 'risks/new', element: <RiskFormPage /> },
    { path: 'risks/:id', element: <RiskPage /> },
    { path: 'risks/:id/edit', element: <RiskFormPage /> },
  ],
  dashboard: {
    cards: [
      { count: 'risks_open', label: 'Open risks', to: '/risks?open=true' },
      // The list filters one rating at a time: the card opens the closest list, the High ones.
      { count: 'risks_high', label: 'Open risks rated High or Critical', to: '/risks?open=true&rating=High,Critical' },
    ],
    Charts: lazy(() => import('./Dashboard')),
  },
};
