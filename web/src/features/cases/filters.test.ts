import { describe, expect, it } from 'vitest';
import {
  boardQuery,
  clearCaseFilters,
  parseCaseFilters,
  serializeCaseFilters,
  toCaseApiQuery,
  withCaseFilter,
} from './filters';

const parse = (s: string) => parseCaseFilters(new URLSearchParams(s));

describe('case filters <-> URL', () => {
  it('reads every filter from the URL and writes it back the same', () => {
    const url =
      'status=review&priority=urgent&assignee_id=7&type=fraud&confidential=true&open=true&q=ledger&sort=-priority&view=board';
    const f = parse(url);
    expect(f).toMatchObject({
      status: 'review',
      priority: 'urgent',
      assignee_id: '7',
      type: 'fraud',
      confidential: 'true',
      open: 'true',
      q: 'ledger',
      sort: '-priority',
      view: 'board',
    });
    expect(serializeCaseFilters(f).toString()).toBe(url);
  });

  it('drops values the API would refuse', () => {
    const f = parse('status=closed&priority=critical&assignee_id=-1&confidential=yes&open=1&sort=title&view=grid');
    expect(f).toMatchObject({
      status: '',
      priority: '',
      assignee_id: '',
      confidential: '',
      open: '',
      sort: '',
      view: '',
    });
    expect(serializeCaseFilters(f).toString()).toBe('');
  });

  it('sends the filters, sort and cursor to the API but never the view or the earlier cursors', () => {
    const f = parse('status=new&view=board&cursor=c2&prev=&prev=c1');
    const q = toCaseApiQuery(f);
    expect(q.get('status')).toBe('new');
    expect(q.get('cursor')).toBe('c2');
    expect(q.get('limit')).toBe('50');
    expect(q.has('view')).toBe(false);
    expect(q.has('prev')).toBe(false);
    expect(serializeCaseFilters(f).getAll('prev')).toEqual(['', 'c1']);
  });

  it('starts from the first page when a filter changes, and clearing keeps the sort and view', () => {
    const f = parse('priority=high&sort=created_at&view=board&cursor=c2&prev=');
    const next = withCaseFilter(f, 'type', 'fraud');
    expect(next).toMatchObject({ type: 'fraud', priority: 'high', cursor: '', prev: [] });
    expect(serializeCaseFilters(clearCaseFilters(f)).toString()).toBe('sort=created_at&view=board');
  });

  it('reads the board from the first page without the status (each column adds its own)', () => {
    expect(boardQuery(parse('status=review&priority=low&cursor=c1&prev=&view=board'))).toEqual({
      priority: 'low',
      limit: '50',
    });
  });
});
