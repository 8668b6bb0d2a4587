// The dashboard's live counts: GET /api/dashboard/stream (server-sent events, `event:
// counts` with the counts as JSON) while it works, polling GET /api/dashboard while it
// does not. The browser's EventSource reconnects by itself after a dropped connection or
// a stream the server ended (it does so every few minutes); an answer that is no stream
// at all (an error status) closes it for good, so a new one is tried after a while.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../lib/api';

export const STREAM_URL = '/api/dashboard/stream';
/** How often the counts are read while the stream is down. */
export const POLL_MS = 15_000;
/** How long after a stream closed for good a new one is tried. */
export const RETRY_MS = 30_000;
/** How long the charts wait after a change of the counts before they are read again (a burst of writes is one refresh). */
export const CHART_REFRESH_MS = 1_000;

/** The counts as the API sends them, by name; which names depends on the caller's permissions. */
export type Counts = Record<string, number>;

export const COUNTS_KEY = ['dashboard', 'counts'] as const;
export const CHARTS_KEY = ['dashboard', 'chart'] as const;

/**
 * live: the stream is open; connecting: not yet; polling: the stream failed or the browser has
 * none; paused: the page shows the past, so neither stream nor polling runs.
 */
export type LiveMode = 'connecting' | 'live' | 'polling' | 'paused';

/** What the dashboard needs of an EventSource (the browser's, or a test's fake). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

/** EventSource.CLOSED: the browser will not reconnect by itself. */
const CLOSED = 2;

/** The browser's EventSource, or null where there is none. */
export function browserEventSource(): EventSourceFactory | null {
  if (typeof EventSource === 'undefined') return null;
  return (url) => new EventSource(url);
}

/** The counts a `counts` event carries, or null when its data is not a counts object. */
export function parseCounts(data: unknown): Counts | null {
  if (typeof data !== 'string') return null;
  try {
    const v: unknown = JSON.parse(data);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    if (!Object.values(v).every((n) => typeof n === 'number')) return null;
    return v as Counts;
  } catch {
    return null;
  }
}

/** Whether two sets of counts differ (the order of their keys aside). */
export function countsDiffer(a: Counts | undefined, b: Counts | undefined): boolean {
  if (!a || !b) return a !== b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return true;
  return false;
}

/**
 * Listens to the counts stream: `onCounts` with each event's counts, `onMode` with the
 * state of the stream. Without a factory (no EventSource) it says `polling` at once. A
 * stream that closes for good is tried again after `retryMs`. Returns the unsubscribe.
 */
export function subscribeCounts({
  create,
  onCounts,
  onMode,
  url = STREAM_URL,
  retryMs = RETRY_MS,
}: {
  create: EventSourceFactory | null;
  onCounts: (c: Counts) => void;
  onMode: (m: LiveMode) => void;
  url?: string;
  retryMs?: number;
}): () => void {
  if (!create) {
    onMode('polling');
    return () => {};
  }
  let source: EventSourceLike | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const connect = () => {
    retry = null;
    if (stopped) return;
    let es: EventSourceLike;
    try {
      es = create(url);
    } catch {
      onMode('polling');
      retry = setTimeout(connect, retryMs);
      return;
    }
    source = es;
    onMode('connecting');
    es.addEventListener('open', () => {
      if (!stopped) onMode('live');
    });
    es.addEventListener('counts', (e) => {
      const counts = parseCounts((e as MessageEvent).data);
      if (stopped || !counts) return;
      onCounts(counts);
      onMode('live');
    });
    es.addEventListener('error', () => {
      if (stopped) return;
      onMode('polling');
      if (es.readyState === CLOSED) {
        es.close();
        source = null;
        retry = setTimeout(connect, retryMs);
      }
    });
  };
  connect();

  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    source?.close();
    source = null;
  };
}

/**
 * The dashboard's counts, kept current: pushed by the stream while it is open, read every
 * POLL_MS while it is not. A change of the counts, however it arrived, reads the charts
 * again once the changes settle. While `paused` (the page shows the past) the stream is
 * closed and nothing is read, so a past view costs the server nothing; unpaused, the
 * counts are read again and the stream reopened.
 */
export function useLiveCounts({
  create = browserEventSource(),
  pollMs = POLL_MS,
  retryMs = RETRY_MS,
  chartRefreshMs = CHART_REFRESH_MS,
  paused = false,
}: {
  create?: EventSourceFactory | null;
  pollMs?: number;
  retryMs?: number;
  chartRefreshMs?: number;
  paused?: boolean;
} = {}) {
  const qc = useQueryClient();
  const [mode, setMode] = useState<LiveMode>(create ? 'connecting' : 'polling');
  const counts = useQuery({
    queryKey: COUNTS_KEY,
    queryFn: async () => (await api<Counts>('/dashboard')).data,
    enabled: !paused,
    refetchInterval: paused || mode === 'live' ? false : pollMs,
  });

  // The factory is fixed for the page's life: a new one each render must not reconnect.
  const createRef = useRef(create);
  useEffect(() => {
    if (paused) return;
    return subscribeCounts({
      create: createRef.current,
      retryMs,
      onMode: setMode,
      onCounts: (c) => {
        if (countsDiffer(qc.getQueryData<Counts>(COUNTS_KEY), c)) qc.setQueryData(COUNTS_KEY, c);
      },
    });
  }, [qc, retryMs, paused]);

  const seen = useRef<Counts | undefined>(undefined);
  useEffect(() => {
    const prev = seen.current;
    seen.current = counts.data;
    if (!prev || !counts.data || !countsDiffer(prev, counts.data)) return;
    const t = setTimeout(() => qc.invalidateQueries({ queryKey: CHARTS_KEY }), chartRefreshMs);
    return () => clearTimeout(t);
  }, [counts.data, qc, chartRefreshMs]);

  return { counts, mode: paused ? ('paused' as const) : mode };
}

/** The state of the live updates in words, for the dashboard's heading. */
export function modeText(mode: LiveMode, pollMs = POLL_MS): string {
  if (mode === 'live') return 'Live: the figures change as records do.';
  if (mode === 'connecting') return 'Connecting for live figures…';
  if (mode === 'paused') return 'Live updates paused while the dashboard shows the past.';
  return `Live figures unavailable: refreshed every ${Math.round(pollMs / 1000)} seconds.`;
}
