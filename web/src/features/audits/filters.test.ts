import { describe, expect, it } from 'vitest';
import { nextPage } from '../../lib/listState';
import {
  EMPTY_ENGAGEMENT_FILTERS,
  EMPTY_FINDING_FILTERS,
  clearEngagementFilters,
  parseEngagementFilters,
  parseFindingFilters,
  serializeEngagementFilters,
  serializeFindingFilters,
  toEngagementApiQuery,
  toFindingApiQuery,
  withEngagementFilter,
  withFindingFilter,
} from './filters';

describe('engagement list URL state', () => {
  it('parses valid values and drops invalid ones', () => {
    const f = parseEngagementFilters(
      new URLSearchParams('phase=Review&status=Lost&active=yes&cancelled=false&lead_auditor_id=4&view=board&q=pay'),
    );
    expect(f).toEqual({
      ...EMPTY_ENGAGEMENT_FILTERS,
      phase: 'Review',
      cancelled: 'false',
      lead_auditor_id: '4',
      view: 'board',
      q: 'pay',
    });
  });

  it('round-trips through the URL but keeps the view out of the API query', () => {
    const f = { ...EMPTY_ENGAGEMENT_FILTERS, status: 'At Risk' as const, view: 'board' as const };
    const s = serializeEngagementFilters(f);
    expect(s.toString()).toBe('status=At+Risk&view=board');
    expect(parseEngagementFilters(s)).toEqual(f);
    expect(toEngagementApiQuery(f).toString()).toBe('status=At+Risk&limit=50');
  });

  it('reads the dashboard links', () => {
    expect(parseEngagementFilters(new URLSearchParams('active=true')).active).toBe('true');
    const f = parseEngagementFilters(new URLSearchParams('phase=Fieldwork&cancelled=false'));
    expect(toEngagementApiQuery(f).toString()).toBe('phase=Fieldwork&cancelled=false&limit=50');
  });

  it('resets paging on a filter change and keeps sort and view on clear', () => {
    const paged = nextPage({ ...EMPTY_ENGAGEMENT_FILTERS, sort: 'title' as const, view: 'board' as const }, 'c1');
    expect(withEngagementFilter(paged, 'phase', 'Planning')).toMatchObject({ phase: 'Planning', cursor: '', prev: [] });
    expect(clearEngagementFilters({ ...paged, phase: 'Review' })).toEqual({
      ...EMPTY_ENGAGEMENT_FILTERS,
      sort: 'title',
      view: 'board',
    });
  });
});

describe('finding list URL state', () => {
  it('parses every filter and drops invalid values', () => {
    const f = parseFindingFilters(
      new URLSearchParams(
        'engagement_id=3&status=Approved&severity=Huge&assigned_to=7&overdue=true&open=maybe&risk_rating=none&q=x&sort=-severity&risk_id=0&control_id=9',
      ),
    );
    expect(f).toEqual({
      ...EMPTY_FINDING_FILTERS,
      engagement_id: '3',
      status: 'Approved',
      assigned_to: '7',
      overdue: 'true',
      risk_rating: 'none',
      q: 'x',
      sort: '-severity',
      control_id: '9',
    });
  });

  it('round-trips with the cursor stack and sends no prev to the API', () => {
    const f = {
      ...EMPTY_FINDING_FILTERS,
      open: 'true' as const,
      risk_rating: 'High' as const,
      cursor: 'c2',
      prev: [''],
    };
    const s = serializeFindingFilters(f);
    expect(s.toString()).toBe('open=true&risk_rating=High&cursor=c2&prev=');
    expect(parseFindingFilters(s)).toEqual(f);
    expect(toFindingApiQuery(f).toString()).toBe('open=true&risk_rating=High&cursor=c2&limit=50');
  });

  it('starts from the first page when a filter changes', () => {
    const f = nextPage({ ...EMPTY_FINDING_FILTERS }, 'c1');
    expect(withFindingFilter(f, 'overdue', 'true')).toMatchObject({ overdue: 'true', cursor: '', prev: [] });
  });
});
