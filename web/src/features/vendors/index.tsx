// Third-party risk: the organization's vendors, how critical each is, the risk tier of the
// relationship with its history, periodic reviews, and the risks each bears on.
import { lazy } from 'react';
import type { WebModule } from '../../lib/modules';
import { VendorFormPage } from './pages/VendorFormPage';
import { VendorPage } from './pages/VendorPage';
import { VendorsListPage } from './pages/VendorsListPage';
import { VENDORS_HIGH_RISK_HREF } from './rules';

export type { Vendor } from './types';

export const vendorsModule: WebModule = {
  name: 'vendors',
  nav: [{ to: '/vendors', label: 'Vendors', permission: 'vendors:read' }],
  routes: [
    { path: 'vendors', element: <VendorsListPage /> },
    { path: 'vendors/new', element: <VendorFormPage /> },
    { path: 'vendors/:id', element: <VendorPage /> },
    { path: 'vendors/:id/edit', element: <VendorFormPage /> },
  ],
  dashboard: {
    cards: [
      {
        count: 'vendors_high_risk',
        label: 'Vendors tiered High or Critical',
        to: VENDORS_HIGH_RISK_HREF,
        permission: 'vendors:read',
      },
      {
        count: 'vendors_review_overdue',
        label: 'Vendor reviews overdue',
        to: '/vendors?overdue_review=true',
        permission: 'vendors:read',
      },
    ],
    Charts: lazy(() => import('./Dashboard')),
  },
};
