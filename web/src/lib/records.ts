// Reading one record (a risk, a control, a framework), now or as it stood at a past time.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from './api';
import { localToRfc3339, rfc3339ToLocal } from './history';

/** A collection under /api that reads one record at /api/<resource>/<id>. */
type RecordResource = string;

/** Query options of GET /api/<resource>/<id>, under the key the writes update and invalidate. */
export function recordQuery<T>(resource: RecordResource, id: string | undefined) {
  return {
    queryKey: [resource, 'one', id],
    queryFn: async () => (await api<T>(`/${resource}/${id}`)).data,
  };
}

/**
 * The "view as of" state of a detail page: the time in the URL (`?as_of=`, RFC 3339), the
 * datetime-local input (local time) and the record as it stood then.
 */
export function useAsOfView<T>(resource: RecordResource, id: string) {
  const [params, setParams] = useSearchParams();
  const asOf = params.get('as_of') ?? '';
  const [input, setInput] = useState(asOf ? rfc3339ToLocal(asOf) : '');
  const past = useQuery({
    queryKey: [resource, 'asof', id, asOf],
    queryFn: async () => (await api<T>(`/${resource}/${id}`, { query: { as_of: asOf } })).data,
    enabled: asOf !== '',
  });

  const apply = () => {
    const iso = localToRfc3339(input);
    const next = new URLSearchParams(params);
    if (iso) next.set('as_of', iso);
    else next.delete('as_of');
    setParams(next);
  };
  const clear = () => {
    setInput('');
    const next = new URLSearchParams(params);
    next.delete('as_of');
    setParams(next);
  };
  return { asOf, input, setInput, apply, clear, past };
}

export type AsOfView<T> = ReturnType<typeof useAsOfView<T>>;
