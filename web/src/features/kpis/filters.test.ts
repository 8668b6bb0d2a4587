import { describe, expect, it } from 'vitest';
import {
  clearKpiFilters,
  parseKpiFilters,
  parseObjectiveFilters,
  serializeKpiFilters,
  serializeObjectiveFilters,
  toKpiApiQuery,
  withKpiFilter,
} from './filters';

const parse = (s: string) => parseKpiFilters(new URLSearchParams(s));

describe('KPI filters <-> URL', () => {
  it('reads every filter from the URL and writes it back the same', () => {
    const url =
      'objective_id=3&owner_id=2&on_target=false&has_value=true&stale=true&frequency=quarterly&q=fraud&sort=-updated_at';
    const f = parse(url);
    expect(f).toMatchObject({
      objective_id: '3',
      owner_id: '2',
      on_target: 'false',
      has_value: 'true',
      stale: 'true',
      frequency: 'quarterly',
      q: 'fraud',
      sort: '-updated_at',
    });
    expect(serializeKpiFilters(f).toString()).toBe(url);
  });

  it('drops values the API would refuse', () => {
    const f = parse('objective_id=-1&owner_id=x&on_target=yes&has_value=no&stale=1&frequency=weekly&sort=target');
    expect(serializeKpiFilters(f).toString()).toBe('');
  });

  it('sends the filters, sort and cursor to the API but never the earlier cursors', () => {
    const q = toKpiApiQuery(parse('on_target=true&cursor=c2&prev=&prev=c1'));
    expect(Object.fromEntries(q)).toEqual({ on_target: 'true', cursor: 'c2', limit: '50' });
  });

  it('starts from the first page when a filter changes, and clearing keeps the sort', () => {
    const f = parse('stale=true&sort=-name&cursor=c2&prev=');
    expect(withKpiFilter(f, 'frequency', 'annual')).toMatchObject({ frequency: 'annual', cursor: '', prev: [] });
    expect(serializeKpiFilters(clearKpiFilters(f)).toString()).toBe('sort=-name');
  });
});

describe('objective filters <-> URL', () => {
  it('reads the owner, search and sort, and drops the rest', () => {
    const f = parseObjectiveFilters(new URLSearchParams('owner_id=4&q=culture&sort=name&stale=true'));
    expect(serializeObjectiveFilters(f).toString()).toBe('owner_id=4&q=culture&sort=name');
  });
});
