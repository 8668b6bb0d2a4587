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
  it('link each card to the list filtered the way it counts', () => {
    const cards = Object.fromEntries((vendorsModule.dashboard?.cards ?? []).map((c) => [c.count, c.to]));
    expect(cards).toEqual({
      vendors_high_risk: '/vendors?status=onboarding,active&risk_tier=High,Critical',
      vendors_review_overdue: '/vendors?overdue_review=true',
    });
    for (const to of Object.values(cards)) {
      const url = new URL(to!, 'http://x');
      const again = serializeVendorFilters(parseVendorFilters(url.searchParams));
      expect(Object.fromEntries(again)).toEqual(Object.fromEntries(url.searchParams));
    }
  });

  it('open the current vendors of a tier from its bar, leaving offboarded ones out', () => {
    for (const tier of ['Low', 'Medium', 'High', 'Critical']) {
      const f = parseVendorFilters(new URL(vendorsByTierHref(tier), 'http://x').searchParams);
      expect(f.risk_tier).toBe(tier);
      expect(f.status).toBe('onboarding,active');
    }
  });
});
