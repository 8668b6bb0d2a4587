import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeSources } from './fakeEventSource';
import { countsDiffer, modeText, parseCounts, subscribeCounts, type LiveMode } from './live';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function subscribe(create = fakeSources().create) {
  const counts: unknown[] = [];
  const modes: LiveMode[] = [];
  const stop = subscribeCounts({
    create,
    onCounts: (c) => counts.push(c),
    onMode: (m) => modes.push(m),
    retryMs: 30_000,
  });
  return { counts, modes, stop };
}

describe('the counts stream', () => {
  it('listens to /api/dashboard/stream and hands on each counts event', () => {
    const sources = fakeSources();
    const s = subscribe(sources.create);
    expect(sources.last().url).toBe('/api/dashboard/stream');
    expect(s.modes).toEqual(['connecting']);
    sources.last().open();
    sources.last().send({ risks_open: 3, vendors_high_risk: 1 });
    expect(s.counts).toEqual([{ risks_open: 3, vendors_high_risk: 1 }]);
    expect(s.modes.at(-1)).toBe('live');
    // Other events (heartbeats are comments and never reach here) and broken data are ignored.
    sources.last().send('not json');
    sources.last().send([1, 2]);
    sources.last().send({ risks_open: 3 }, 'message');
    expect(s.counts).toHaveLength(1);
  });

  it('polls while the browser reconnects after a dropped or ended stream, and is live again once it is back', () => {
    const sources = fakeSources();
    const s = subscribe(sources.create);
    sources.last().open();
    sources.last().fail();
    expect(s.modes.at(-1)).toBe('polling');
    expect(sources.made).toHaveLength(1); // the browser reconnects this one by itself
    sources.last().open();
    expect(s.modes.at(-1)).toBe('live');
  });

  it('tries a new stream after a while when the browser gives one up', () => {
    const sources = fakeSources();
    const s = subscribe(sources.create);
    sources.last().fail(true);
    expect(s.modes.at(-1)).toBe('polling');
    expect(sources.made[0].closed).toBe(true);
    vi.advanceTimersByTime(29_999);
    expect(sources.made).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sources.made).toHaveLength(2);
    expect(s.modes.at(-1)).toBe('connecting');
    sources.last().send({ cases_open: 1 });
    expect(s.modes.at(-1)).toBe('live');
  });

  it('polls from the start where the browser has no EventSource, or cannot make one', () => {
    expect(subscribe(null as never).modes).toEqual(['polling']);
    const s = subscribe(() => {
      throw new Error('blocked');
    });
    expect(s.modes).toEqual(['polling']);
  });

  it('closes the stream and forgets the retry when the page goes', () => {
    const sources = fakeSources();
    const s = subscribe(sources.create);
    s.stop();
    expect(sources.made[0].closed).toBe(true);
    sources.made[0].send({ risks_open: 9 });
    expect(s.counts).toEqual([]);

    const again = fakeSources();
    const t = subscribe(again.create);
    again.last().fail(true);
    t.stop();
    vi.advanceTimersByTime(60_000);
    expect(again.made).toHaveLength(1);
  });
});

describe('counts', () => {
  it('reads only an object of numbers', () => {
    expect(parseCounts('{"a":1,"b":0}')).toEqual({ a: 1, b: 0 });
    expect(parseCounts('{"a":"1"}')).toBeNull();
    expect(parseCounts('null')).toBeNull();
    expect(parseCounts(undefined)).toBeNull();
  });

  it('compares by value, whatever the order of the keys', () => {
    expect(countsDiffer({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(countsDiffer({ a: 1, b: 2 }, { a: 1, b: 3 })).toBe(true);
    expect(countsDiffer({ a: 1 }, { a: 1, b: 0 })).toBe(true);
    expect(countsDiffer(undefined, { a: 1 })).toBe(true);
  });

  it('says how current the figures are', () => {
    expect(modeText('live')).toMatch(/^Live/);
    expect(modeText('polling')).toBe('Live figures unavailable: refreshed every 15 seconds.');
  });
});
