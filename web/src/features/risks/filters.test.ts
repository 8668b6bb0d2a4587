import { describe, expect, it } from 'vitest';
import {
  EMPTY_FILTERS,
  type RiskFilters,
  parseRiskFilters,
  serializeRiskFilters,
  toApiQuery,
  withFilter,
} from './filters';
import { hasPrevious, nextPage, pageNumber, previousPage } from '../../lib/listState';

describe('risk list URL state', () => {
  it('parses valid values and drops invalid ones', () => {
    const f = parseRiskFilters(
      new URLSearchParams(
        'status=Treating&rating=Huge&likelihood=3&impact=9&owner_id=-2&sort=-score&q=fire&category=IT',
      ),
    );
    expect(f).toEqual({
      ...EMPTY_FILTERS,
      status: 'Treating',
      likelihood: '3',
      sort: '-score',
      q: 'fire',
      category: 'IT',
    });
  });

  it('takes several ratings and statuses, keeping the valid ones in a stable order, and the open flag', () => {
    const f = parseRiskFilters(new URLSearchParams('rating=Critical,Huge,High&status=Closed,Accepted&open=true'));
    expect(f).toMatchObject({ rating: 'High,Critical', status: 'Accepted,Closed', open: 'true' });
    expect(toApiQuery(f).get('rating')).toBe('High,Critical');
    expect(parseRiskFilters(new URLSearchParams('open=yes')).open).toBe('');
  });

  it('round-trips through the URL, including the cursor stack', () => {
    const f = { ...EMPTY_FILTERS, status: 'Assessed' as const, owner_id: '7', cursor: 'c2', prev: ['', 'c1'] };
    const s = serializeRiskFilters(f);
    expect(s.toString()).toBe('status=Assessed&owner_id=7&cursor=c2&prev=&prev=c1');
    expect(parseRiskFilters(s)).toEqual(f);
  });

  it('omits empty values', () => {
    expect(serializeRiskFilters(EMPTY_FILTERS).toString()).toBe('');
  });

  it('builds the API query without the prev stack', () => {
    const f = { ...EMPTY_FILTERS, likelihood: '2', impact: '5', cursor: 'abc', prev: [''] };
    expect(toApiQuery(f).toString()).toBe('likelihood=2&impact=5&cursor=abc&limit=50');
  });

  it('pages forward and back with a stack of cursors', () => {
    let f: RiskFilters = { ...EMPTY_FILTERS, sort: 'score' };
    expect(hasPrevious(f)).toBe(false);
    f = nextPage(f, 'c1');
    f = nextPage(f, 'c2');
    expect(f.cursor).toBe('c2');
    expect(f.prev).toEqual(['', 'c1']);
    expect(pageNumber(f)).toBe(3);
    f = previousPage(f);
    expect(f).toMatchObject({ cursor: 'c1', prev: [''] });
    f = previousPage(f);
    expect(f).toMatchObject({ cursor: '', prev: [] });
    expect(hasPrevious(f)).toBe(false);
  });

  it('resets paging when a filter changes', () => {
    const f = nextPage({ ...EMPTY_FILTERS }, 'c1');
    const g = withFilter(f, 'rating', 'High');
    expect(g).toMatchObject({ rating: 'High', cursor: '', prev: [] });
  });
});
