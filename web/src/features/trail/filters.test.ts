import { describe, expect, it } from 'vitest';
import {
  EMPTY_TRAIL_FILTERS,
  parseTrailFilters,
  serializeTrailFilters,
  toTrailApiQuery,
  trailCsvHref,
  withTrailFilter,
} from './filters';

const parse = (s: string) => parseTrailFilters(new URLSearchParams(s));

describe('trail filters <-> URL', () => {
  it('reads every filter from the URL and writes it back the same', () => {
    const url =
      'entity_type=risk&entity_id=7&actor_id=2&event_type=RiskUpdated&from=2026-05-01T00%3A00%3A00.000Z&to=2026-05-02T00%3A00%3A00.000Z&q=vendor';
    const f = parse(url);
    expect(f).toMatchObject({
      entity_type: 'risk',
      entity_id: '7',
      actor_id: '2',
      event_type: 'RiskUpdated',
      from: '2026-05-01T00:00:00.000Z',
      to: '2026-05-02T00:00:00.000Z',
      q: 'vendor',
    });
    expect(serializeTrailFilters(f).toString()).toBe(url);
  });

  it('drops a record type or a time that no API would take', () => {
    expect(serializeTrailFilters(parse('entity_type=Risk&from=yesterday&to=')).toString()).toBe('');
  });

  it('keeps a mistyped id or event type, so the API names what is wrong with it', () => {
    expect(parse('entity_id=abc&actor_id=0&event_type=Nope')).toMatchObject({
      entity_id: 'abc',
      actor_id: '0',
      event_type: 'Nope',
    });
  });

  it('sends the filters and cursor to the API but never the earlier cursors', () => {
    expect(Object.fromEntries(toTrailApiQuery(parse('entity_type=vendor&cursor=c2&prev=&prev=c1')))).toEqual({
      entity_type: 'vendor',
      cursor: 'c2',
      limit: '50',
    });
  });

  it('starts from the first page when a filter changes', () => {
    const f = parse('entity_type=risk&cursor=c2&prev=');
    expect(withTrailFilter(f, 'actor_id', '3')).toMatchObject({ actor_id: '3', cursor: '', prev: [] });
  });

  it('exports every row matching the filters, whatever page is shown', () => {
    expect(trailCsvHref(parse('entity_type=risk&entity_id=7&q=a b&cursor=c2&prev='))).toBe(
      '/api/audit-trail?format=csv&entity_type=risk&entity_id=7&q=a+b',
    );
    expect(trailCsvHref(EMPTY_TRAIL_FILTERS)).toBe('/api/audit-trail?format=csv');
  });
});
