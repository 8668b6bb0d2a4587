import { describe, expect, it } from 'vitest';
import { countOf } from './PagedTable';

describe('countOf', () => {
  it('counts exactly, in the singular for one', () => {
    expect(countOf(1, 'matching risk')).toBe('1 matching risk');
    expect(countOf(0, 'matching risk')).toBe('0 matching risks');
    expect(countOf(12, 'framework')).toBe('12 frameworks');
  });

  it('says "or more" when the list stopped counting', () => {
    expect(countOf(10000, 'matching event', true)).toBe('10,000+ matching events');
  });
});
