import { describe, expect, it } from 'vitest';
import {
  clearVendorFilters,
  parseVendorFilters,
  serializeVendorFilters,
  toVendorApiQuery,
  withVendorFilter,
} from './filters';

const parse = (s: string) => parseVendorFilters(new URLSearchParams(s));

describe('vendor filters <-> URL', () => {
  it('reads every filter from the URL and writes it back the same', () => {
    const url =
      'risk_tier=High&status=active&criticality=critical&overdue_review=true&risk_id=7&q=cloud&sort=next_review';
    const f = parse(url);
    expect(f).toMatchObject({
      risk_tier: 'High',
      status: 'active',
      criticality: 'critical',
      overdue_review: 'true',
      risk_id: '7',
      q: 'cloud',
      sort: 'next_review',
    });
    expect(serializeVendorFilters(f).toString()).toBe(url);
  });

  it('drops values the API would refuse (tiers are capitalised, criticalities are not)', () => {
    const f = parse('risk_tier=high&status=gone&criticality=Critical&overdue_review=1&risk_id=0&sort=tier');
    expect(serializeVendorFilters(f).toString()).toBe('');
  });

  it('sends the filters, sort and cursor to the API but never the earlier cursors', () => {
    expect(Object.fromEntries(toVendorApiQuery(parse('overdue_review=true&cursor=c2&prev=&prev=c1')))).toEqual({
      overdue_review: 'true',
      cursor: 'c2',
      limit: '50',
    });
  });

  it('starts from the first page when a filter changes, and clearing keeps the sort', () => {
    const f = parse('status=active&sort=-name&cursor=c2&prev=');
    expect(withVendorFilter(f, 'risk_tier', 'Low')).toMatchObject({ risk_tier: 'Low', cursor: '', prev: [] });
    expect(serializeVendorFilters(clearVendorFilters(f)).toString()).toBe('sort=-name');
  });

  it('takes several tiers, statuses and criticalities, keeping the valid ones in a stable order', () => {
    const f = parse('risk_tier=Critical,High,Severe&status=active,onboarding&criticality=low,high');
    expect(f).toMatchObject({ risk_tier: 'High,Critical', status: 'onboarding,active', criticality: 'low,high' });
    expect(toVendorApiQuery(f).get('status')).toBe('onboarding,active');
  });
});
