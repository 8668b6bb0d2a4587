// The organization-wide audit trail: every event, who did it from where and what it
// changed, filtered in the URL, paged, and exported as CSV. For those who audit.
import type { WebModule } from '../../lib/modules';
import { AuditTrailPage } from './pages/AuditTrailPage';

export type { TrailRow } from './types';

export const trailModule: WebModule = {
  name: 'trail',
  nav: [{ to: '/audit-trail', label: 'Audit trail', permission: 'audit_trail:read' }],
  routes: [{ path: 'audit-trail', element: <AuditTrailPage /> }],
};
