import { lazy, Suspense } from 'react';
import { Loading } from '../../components/Loading';
import type { WebModule } from '../../lib/modules';

const DashboardPage = lazy(() => import('./DashboardPage'));

/** The dashboard is the index page; it shows what the given modules contribute. */
export function dashboardModule(contributors: WebModule[]): WebModule {
  return {
    name: 'dashboard',
    nav: [{ to: '/', label: 'Dashboard' }],
    routes: [
      {
        path: '',
        element: (
          <Suspense fallback={<Loading />}>
            <DashboardPage modules={contributors} />
          </Suspense>
        ),
      },
    ],
  };
}
