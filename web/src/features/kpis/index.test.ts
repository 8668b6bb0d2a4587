import { describe, expect, it } from 'vitest';
import { parseKpiFilters, serializeKpiFilters } from './filters';
import { kpisModule } from './index';

describe('KPI dashboard cards', () => {
  it('link each count to the list filtered the way it counts', () => {
    const cards = Object.fromEntries((kpisModule.dashboard?.cards ?? []).map((c) => [c.count, c]));
    expect(Object.keys(cards)).toEqual(['kpis_off_target', 'kpis_stale']);
    expect(cards.kpis_off_target.to).toBe('/kpis?on_target=false');
    expect(cards.kpis_stale.to).toBe('/kpis?stale=true');
    for (const c of Object.values(cards)) {
      const url = new URL(c.to!, 'http://x');
      expect(url.pathname).toBe('/kpis');
      // The list reads the link's filter back unchanged: nothing in it is dropped as invalid.
      expect(serializeKpiFilters(parseKpiFilters(url.searchParams)).toString()).toBe(url.search.slice(1));
      expect(c.permission).toBe('kpis:read');
    }
  });

  it('offers its lists in the navigation to those who read KPIs', () => {
    expect(kpisModule.nav).toEqual([
      { to: '/kpis', label: 'KPIs', permission: 'kpis:read' },
      { to: '/objectives', label: 'Objectives', permission: 'kpis:read' },
    ]);
  });
});
