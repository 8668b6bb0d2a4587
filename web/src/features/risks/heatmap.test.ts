import { describe, expect, it } from 'vitest';
import { buildHeatmap, cellHref, parseHeatmapLabel, ratingOf } from './heatmap';

function fullPayload() {
  const labels: string[] = [];
  const values: number[] = [];
  for (let l = 1; l <= 5; l++)
    for (let i = 1; i <= 5; i++) {
      labels.push(`${l}x${i}`);
      values.push(0);
    }
  return { labels, values };
}

describe('heat map', () => {
  it('parses labels', () => {
    expect(parseHeatmapLabel('4x2')).toEqual({ likelihood: 4, impact: 2 });
    expect(parseHeatmapLabel('6x1')).toBeNull();
    expect(parseHeatmapLabel('nonsense')).toBeNull();
  });

  it('counts each cell by likelihood row and impact column', () => {
    const p = fullPayload();
    p.values[p.labels.indexOf('5x1')] = 3;
    p.values[p.labels.indexOf('1x5')] = 2;
    p.values[p.labels.indexOf('3x3')] = 7;
    const h = buildHeatmap(p);
    expect(h.grid[4][0]).toBe(3);
    expect(h.grid[0][4]).toBe(2);
    expect(h.grid[2][2]).toBe(7);
    expect(h.total).toBe(12);
    expect(h.max).toBe(7);
    expect(h.cells).toHaveLength(25);
    expect(h.cells.find((c) => c.likelihood === 5 && c.impact === 1)?.count).toBe(3);
  });

  it('tolerates missing or odd payloads', () => {
    expect(buildHeatmap(undefined).total).toBe(0);
    const h = buildHeatmap({ labels: ['2x2', 'bad', '2x3'], values: [1, 5] });
    expect(h.grid[1][1]).toBe(1);
    expect(h.grid[1][2]).toBe(0);
    expect(h.total).toBe(1);
  });

  it('links a cell to the filtered list', () => {
    expect(cellHref(4, 2)).toBe('/risks?likelihood=4&impact=2');
  });

  it('bands scores like the server', () => {
    expect([1, 4, 5, 9, 10, 16, 20, 25].map(ratingOf)).toEqual([
      'Low',
      'Low',
      'Medium',
      'Medium',
      'High',
      'High',
      'Critical',
      'Critical',
    ]);
  });
});
