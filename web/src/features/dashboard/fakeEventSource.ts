// A stand-in for the browser's EventSource in the dashboard's tests: each one made is
// kept, and the test opens it, sends it events or fails it.
import type { EventSourceFactory, EventSourceLike } from './live';

export class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private listeners = new Map<string, ((e: Event) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (e: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close() {
    this.closed = true;
    this.readyState = 2;
  }

  private emit(type: string, e: Event) {
    for (const l of this.listeners.get(type) ?? []) l(e);
  }

  open() {
    this.readyState = 1;
    this.emit('open', new Event('open'));
  }

  /** An `event: counts` with this data (an object is sent as JSON). */
  send(data: unknown, type = 'counts') {
    this.emit(type, new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }

  /** A dropped connection the browser retries (CONNECTING), or one it gives up on (CLOSED). */
  fail(closed = false) {
    this.readyState = closed ? 2 : 0;
    this.emit('error', new Event('error'));
  }
}

/** A factory that records every source it makes. */
export function fakeSources() {
  const made: FakeEventSource[] = [];
  const create: EventSourceFactory = (url) => {
    const es = new FakeEventSource(url);
    made.push(es);
    return es;
  };
  return { made, create, last: () => made[made.length - 1] };
}
