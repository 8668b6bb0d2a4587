// Whether the server can be reached. A 503 (the database or event log is down or
// restarting) or a failed fetch marks the connection lost; any answer from the API
// marks it back. Losing the connection never logs the user out: the server keeps the
// session, so the application waits and carries on.

export type ConnectionListener = (online: boolean) => void;

let online = true;
const listeners = new Set<ConnectionListener>();

export function isOnline(): boolean {
  return online;
}

export function setOnline(next: boolean): void {
  if (next === online) return;
  online = next;
  for (const l of listeners) l(next);
}

export function onConnectionChange(l: ConnectionListener): () => void {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
}

/** A status that means "try again shortly" rather than "no" (see the API's 503). */
export function isUnavailableStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}
