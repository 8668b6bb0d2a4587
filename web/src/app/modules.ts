// The web application's one list of modules: routes, navigation (in this order) and the
// dashboard are derived from it. Adding a module is its folder under features/ plus a
// line here.
import { auditsModule } from '../features/audits';
import { casesModule } from '../features/cases';
import { controlsModule } from '../features/controls';
import { dashboardModule } from '../features/dashboard';
import { docsModule } from '../features/docs';
import { kpisModule } from '../features/kpis';
import { risksModule } from '../features/risks';
import { trailModule } from '../features/trail';
import { vendorsModule } from '../features/vendors';
import type { WebModule } from '../lib/modules';

const domain: WebModule[] = [risksModule, controlsModule, auditsModule, casesModule, kpisModule, vendorsModule];

export const modules: WebModule[] = [dashboardModule(domain), ...domain, trailModule, docsModule];
