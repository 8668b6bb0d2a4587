import { describe, expect, it } from 'vitest';
import { AS_OF_PAGES, asOfHref, changeLines, entityLabel, recordHref } from './rules';

const at = '2026-05-01T09:30:00.123456Z';

describe('trail rows', () => {
  it('links each kind of record that has a page, and no other', () => {
    expect(recordHref({ entity_type: 'risk', entity_id: 7 })).toBe('/risks/7');
    expect(recordHref({ entity_type: 'finding', entity_id: 3 })).toBe('/findings/3');
    expect(recordHref({ entity_type: 'engagement', entity_id: 4 })).toBe('/engagements/4');
    expect(recordHref({ entity_type: 'kpi', entity_id: 5 })).toBe('/kpis/5');
    expect(recordHref({ entity_type: 'user', entity_id: 2 })).toBeNull();
    expect(recordHref({ entity_type: 'organization', entity_id: 1 })).toBeNull();
    expect(recordHref({ entity_type: 'risk', entity_id: 0 })).toBeNull();
  });

  it('offers the record as it was right after the event only where the page can show it', () => {
    expect(AS_OF_PAGES).toEqual([
      'risk',
      'control',
      'vendor',
      'kpi',
      'case',
      'engagement',
      'finding',
      'framework',
      'objective',
    ]);
    expect(asOfHref({ entity_type: 'control', entity_id: 9, at })).toBe(
      '/controls/9?as_of=2026-05-01T09%3A30%3A00.123456Z',
    );
    expect(asOfHref({ entity_type: 'finding', entity_id: 9, at })).toBe(
      '/findings/9?as_of=2026-05-01T09%3A30%3A00.123456Z',
    );
    expect(asOfHref({ entity_type: 'framework', entity_id: 9, at })).toBe(
      '/frameworks/9?as_of=2026-05-01T09%3A30%3A00.123456Z',
    );
    expect(asOfHref({ entity_type: 'objective', entity_id: 4, at })).toBe(
      '/objectives/4?as_of=2026-05-01T09%3A30%3A00.123456Z',
    );
    expect(asOfHref({ entity_type: 'user', entity_id: 9, at })).toBeNull();
    expect(asOfHref({ entity_type: 'organization', entity_id: 1, at })).toBeNull();
  });

  it('writes changes as field: before → after, plainly, names rather than ids', () => {
    expect(
      changeLines({
        title: { before: 'Old', after: 'New' },
        owner_id: { before: 3, after: 4 },
        owner_name: { before: 'Marcus', after: 'Ada' },
        control_id: { before: null, after: 5 },
        tags: { before: [], after: ['a', 'b'] },
      }),
    ).toEqual([
      { field: 'title', before: 'Old', after: 'New' },
      { field: 'owner name', before: 'Marcus', after: 'Ada' },
      { field: 'control id', before: '∅', after: '5' },
      { field: 'tags', before: '[]', after: 'a, b' },
    ]);
    expect(changeLines(null)).toEqual([]);
  });

  it('names a member by an id where the page knows the member', () => {
    const names: Record<number, string> = { 6: 'Dana Whitfield' };
    const personName = (id: number) => names[id] ?? `User #${id}`;
    expect(
      changeLines(
        {
          'responses.1.owner_id': { before: null, after: 6 },
          assignee_id: { before: 6, after: 9 },
          control_id: { before: null, after: 6 },
        },
        personName,
      ),
    ).toEqual([
      { field: 'responses.1.owner', before: '∅', after: 'Dana Whitfield' },
      { field: 'assignee', before: 'Dana Whitfield', after: 'User #9' },
      { field: 'control id', before: '∅', after: '6' },
    ]);
  });

  it('names record types for people', () => {
    expect(entityLabel('kpi')).toBe('KPI');
    expect(entityLabel('finding')).toBe('Finding');
  });
});
