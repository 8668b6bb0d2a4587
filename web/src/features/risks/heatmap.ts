// Turns the risk_heatmap chart payload (labels "LxI", values counts) into a 5x5 grid.
import type { Chart } from '../../lib/types';

export interface HeatmapCell {
  likelihood: number; // 1..5
  impact: number; // 1..5
  count: number;
}

export interface Heatmap {
  /** grid[likelihood-1][impact-1] = number of risks. */
  grid: number[][];
  max: number;
  total: number;
  cells: HeatmapCell[];
}

const LABEL = /^\s*([1-5])\s*[xX×]\s*([1-5])\s*$/;

export function parseHeatmapLabel(label: string): { likelihood: number; impact: number } | null {
  const m = LABEL.exec(label);
  if (!m) return null;
  return { likelihood: Number(m[1]), impact: Number(m[2]) };
}

export function buildHeatmap(chart: Pick<Chart, 'labels' | 'values'> | undefined | null): Heatmap {
  const grid = Array.from({ length: 5 }, () => Array<number>(5).fill(0));
  if (chart) {
    chart.labels.forEach((label, i) => {
      const pos = parseHeatmapLabel(label);
      const v = Number(chart.values[i] ?? 0);
      if (!pos || !Number.isFinite(v)) return;
      grid[pos.likelihood - 1][pos.impact - 1] += v;
    });
  }
  const cells: HeatmapCell[] = [];
  let max = 0;
  let total = 0;
  for (let l = 1; l <= 5; l++) {
    for (let i = 1; i <= 5; i++) {
      const count = grid[l - 1][i - 1];
      cells.push({ likelihood: l, impact: i, count });
      max = Math.max(max, count);
      total += count;
    }
  }
  return { grid, max, total, cells };
}

/** The risk list URL for one cell; the list passes likelihood/impact through to GET /api/risks. */
export function cellHref(likelihood: number, impact: number): string {
  return `/risks?likelihood=${likelihood}&impact=${impact}`;
}

/** Rating band of a score, as the server computes it. */
export function ratingOf(score: number): 'Low' | 'Medium' | 'High' | 'Critical' {
  if (score >= 20) return 'Critical';
  if (score >= 10) return 'High';
  if (score >= 5) return 'Medium';
  return 'Low';
}

// Badge fills with white text: darker than Mantine's darkest green and orange, which
// stay under the 4.5:1 contrast that small bold text needs; yellow gets dark text
// from the theme's autoContrast.
export const RATING_COLORS: Record<string, string> = {
  Low: '#1e6b30',
  Medium: 'yellow',
  High: '#a63a0c',
  Critical: 'red',
};
