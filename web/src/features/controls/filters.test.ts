import { describe, expect, it } from 'vitest';
import {
  EMPTY_CONTROL_FILTERS,
  clearControlFilters,
  parseControlFilters,
  parseFrameworkFilters,
  serializeControlFilters,
  serializeFrameworkFilters,
  toControlApiQuery,
  toFrameworkApiQuery,
  withControlFilter,
  type ControlFilters,
} from './filters';
import { hasPrevious, nextPage, pageNumber, previousPage } from '../../lib/listState';

describe('control list URL state', () => {
  it('parses valid values and drops invalid ones', () => {
    const f = parseControlFilters(
      new URLSearchParams(
        'framework_id=4&status=Active&effectiveness=Ineffective&type=detective&sort=-code&q=backup&owner_id=x',
      ),
    );
    expect(f).toEqual({
      ...EMPTY_CONTROL_FILTERS,
      framework_id: '4',
      status: 'Active',
      effectiveness: 'Ineffective',
      type: 'detective',
      sort: '-code',
      q: 'backup',
    });
    const bad = parseControlFilters(
      new URLSearchParams('framework_id=0&status=Live&effectiveness=Great&type=Preventive&sort=score'),
    );
    expect(bad).toEqual(EMPTY_CONTROL_FILTERS);
  });

  it('keeps multi-word effectiveness values through the URL', () => {
    const f = { ...EMPTY_CONTROL_FILTERS, effectiveness: 'Partially Effective' as const };
    const s = serializeControlFilters(f);
    expect(s.toString()).toBe('effectiveness=Partially+Effective');
    expect(parseControlFilters(new URLSearchParams(s.toString()))).toEqual(f);
    expect(parseControlFilters(new URLSearchParams('effectiveness=Not%20Tested')).effectiveness).toBe('Not Tested');
  });

  it('round-trips through the URL, including the cursor stack', () => {
    const f: ControlFilters = {
      ...EMPTY_CONTROL_FILTERS,
      status: 'Draft',
      framework_id: '2',
      cursor: 'c2',
      prev: ['', 'c1'],
    };
    const s = serializeControlFilters(f);
    expect(s.toString()).toBe('framework_id=2&status=Draft&cursor=c2&prev=&prev=c1');
    expect(parseControlFilters(s)).toEqual(f);
    expect(serializeControlFilters(EMPTY_CONTROL_FILTERS).toString()).toBe('');
  });

  it('builds the API query without the prev stack', () => {
    const f = { ...EMPTY_CONTROL_FILTERS, type: 'corrective' as const, q: 'x', cursor: 'abc', prev: [''] };
    expect(toControlApiQuery(f).toString()).toBe('type=corrective&q=x&cursor=abc&limit=50');
  });

  it('pages with the shared cursor stack and resets paging on a filter change', () => {
    let f: ControlFilters = { ...EMPTY_CONTROL_FILTERS, sort: 'code' };
    f = nextPage(f, 'c1');
    f = nextPage(f, 'c2');
    expect(pageNumber(f)).toBe(3);
    f = previousPage(f);
    expect(f).toMatchObject({ cursor: 'c1', prev: [''], sort: 'code' });
    const g = withControlFilter(f, 'status', 'Archived');
    expect(g).toMatchObject({ status: 'Archived', cursor: '', prev: [], sort: 'code' });
    expect(hasPrevious(g)).toBe(false);
  });

  it('clears filters but keeps the sort', () => {
    const f = { ...EMPTY_CONTROL_FILTERS, status: 'Active' as const, sort: '-updated_at' as const, cursor: 'c' };
    expect(clearControlFilters(f)).toEqual({ ...EMPTY_CONTROL_FILTERS, sort: '-updated_at' });
  });
});

describe('framework list URL state', () => {
  it('round-trips search and paging', () => {
    const f = { q: 'iso', cursor: 'c1', prev: [''] };
    const s = serializeFrameworkFilters(f);
    expect(s.toString()).toBe('q=iso&cursor=c1&prev=');
    expect(parseFrameworkFilters(s)).toEqual(f);
    expect(toFrameworkApiQuery(f).toString()).toBe('q=iso&cursor=c1&limit=50');
  });
});
