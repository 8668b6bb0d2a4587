import { describe, expect, it } from 'vitest';
import { modules } from './modules';

describe('module list', () => {
  const paths = modules.flatMap((m) => m.routes.map((r) => r.path));

  it('gives every route one owner', () => {
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('points every navigation entry at a registered route', () => {
    for (const n of modules.flatMap((m) => m.nav ?? [])) {
      expect(paths).toContain(n.to.replace(/^\//, ''));
    }
  });

  it('names each dashboard count once', () => {
    const counts = modules.flatMap((m) => m.dashboard?.cards ?? []).map((c) => c.count);
    expect(counts.length).toBeGreaterThan(0);
    expect(new Set(counts).size).toBe(counts.length);
  });
});
