import { describe, expect, it } from 'vitest';
import { decisionLabel, overdueText, vendorsByTierHref } from './rules';
import { parseVendorFilters, serializeVendorFilters } from './filters';
import { vendorsModule } from './index';

describe('vendor wording', () => {
  it('says an overdue review in words, with the date it was due', () => {
    expect(overdueText({ overdue_review: true, next_review: '2026-03-01' })).toBe('Review overdue since 2026-03-01');
    expect(overdueText({ overdue_review: false, next_review: '2026-03-01' })).toBeNull();
    expect(decisionLabel('conditional')).toBe('Approved with conditions');
  });
});

describe('vendor dashboard links', () => {
  it('link each card to the list filtered the way it counts, or the closest the list can express', () => {
    const cards = Object.fromEntries((vendorsModule.dashboard?.cards ?? []).map((c) => [c.count, c.to]));
    expect(cards).toEqual({
      vendors_high_risk: '/vendors?risk_tier=High',
      vendors_review_overdue: '/vendors?overdue_review=true',
    });
    for (const to of Object.values(cards)) {
      const url = new URL(to!, 'http://x');
      expect(serializeVendorFilters(parseVendorFilters(url.searchParams)).toString()).toBe(url.search.slice(1));
    }
  });

  it('open the vendors of a tier from its bar', () => {
    for (const tier of ['Low', 'Medium', 'High', 'Critical']) {
      const url = new URL(vendorsByTierHref(tier), 'http://x');
      expect(parseVendorFilters(url.searchParams).risk_tier).toBe(tier);
    }
  });
});
