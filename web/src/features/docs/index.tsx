import { lazy, Suspense } from 'react';
import { Loading } from '../../components/Loading';
import type { WebModule } from '../../lib/modules';

// The API reference renderer is large: its own chunk, loaded on this page only.
const DocsPage = lazy(() => import('./DocsPage'));

export const docsModule: WebModule = {
  name: 'docs',
  nav: [{ to: '/api/docs', label: 'API reference' }],
  routes: [
    {
      path: 'api/docs',
      element: (
        <Suspense fallback={<Loading />}>
          <DocsPage />
        </Suspense>
      ),
    },
  ],
};
