// Audit management's queries and the state of its create / edit pages.
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ifMatch, isConflict } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useInvalidate } from '../../lib/hooks';
import type { ListMeta } from '../../lib/types';
import type { Engagement, Finding } from './types';

export type AuditResource = 'engagements' | 'findings';

/** Query options of GET /api/<resource>/<id>, under the key the writes update and invalidate. */
export function auditRecordQuery<T>(resource: AuditResource, id: string | undefined) {
  return {
    queryKey: [resource, 'one', id],
    queryFn: async () => (await api<T>(`/${resource}/${id}`)).data,
  };
}

export const useEngagement = (id: string) => useQuery(auditRecordQuery<Engagement>('engagements', id));
export const useFinding = (id: string) => useQuery(auditRecordQuery<Finding>('findings', id));

/** One page of GET /api/engagements or /api/findings; the previous page stays shown while the next loads. */
export function useAuditList<T>(resource: AuditResource, apiQuery: URLSearchParams, enabled = true) {
  return useQuery({
    queryKey: [resource, 'list', apiQuery.toString()],
    queryFn: () => api<T[], ListMeta>(`/${resource}`, { query: apiQuery }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/**
 * A list read page by page ("Load more"): GET /api/<resource> with `query`, then the
 * same with each page's next cursor.
 */
export function useAuditPages<T>(resource: AuditResource, query: Record<string, string>) {
  const key = new URLSearchParams(query).toString();
  return useInfiniteQuery({
    queryKey: [resource, 'pages', key],
    queryFn: async ({ pageParam }) => {
      const r = await api<T[], ListMeta>(`/${resource}`, { query: { ...query, cursor: pageParam } });
      return { data: r.data, meta: r.meta };
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.meta?.next_cursor ?? undefined,
  });
}

/** After any audit write: engagements (their finding counts), findings and the dashboard are read again. */
export const useAuditWrite = () => useInvalidate(['engagements', 'findings', 'dashboard']);

/** Engagements for pickers and filters, labelled "#id title"; `active` keeps those that take new findings. */
export function useEngagementOptions(active: boolean) {
  const { can, status } = useAuth();
  const q = useQuery({
    queryKey: ['engagements', 'options', status?.organization?.id, active],
    queryFn: async () =>
      (
        await api<Engagement[], ListMeta>('/engagements', {
          query: { limit: 500, sort: 'title', active: active ? 'true' : undefined },
        })
      ).data,
    enabled: can('audits:read'),
    staleTime: 60_000,
  });
  const options = (q.data ?? []).map((e) => ({ value: String(e.id), label: `#${e.id} ${e.title}` }));
  return { options, isLoading: q.isLoading, error: q.error };
}

interface AuditFormSpec<R, V> {
  resource: AuditResource;
  /** The record's id when editing; undefined when creating. */
  id: string | undefined;
  /** The values a new record starts from. */
  initial: V;
  toForm: (record: R) => V;
  toCreate: (values: V) => Record<string, unknown>;
  toPatch: (values: V, original: R) => Record<string, unknown>;
}

/**
 * A create / edit page's state: the record loaded for editing, the values, and the save
 * (POST, or PUT of the changed fields with If-Match on the version the form was loaded from).
 */
export function useAuditForm<R extends { id: number; version: number }, V>(spec: AuditFormSpec<R, V>) {
  const { resource, id, toForm } = spec;
  const editing = id !== undefined;
  const qc = useQueryClient();
  const navigate = useNavigate();
  const invalidate = useAuditWrite();
  const existing = useQuery({ ...auditRecordQuery<R>(resource, id), enabled: editing });

  const [values, setValues] = useState<V>(spec.initial);
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  useEffect(() => {
    if (existing.data && loadedVersion === null) {
      setValues(toForm(existing.data));
      setLoadedVersion(existing.data.version);
    }
  }, [existing.data, loadedVersion, toForm]);

  const save = useMutation({
    mutationFn: async () => {
      if (editing && existing.data) {
        return (
          await api<R>(`/${resource}/${id}`, {
            method: 'PUT',
            body: spec.toPatch(values, existing.data),
            headers: { 'If-Match': ifMatch(loadedVersion ?? existing.data.version) },
          })
        ).data;
      }
      return (await api<R>(`/${resource}`, { method: 'POST', body: spec.toCreate(values) })).data;
    },
    onSuccess: (record) => {
      invalidate();
      qc.setQueryData([resource, 'one', String(record.id)], record);
      navigate(`/${resource}/${record.id}`);
    },
  });

  const set = <K extends keyof V>(k: K, v: V[K]) => setValues((s) => ({ ...s, [k]: v }));

  /** After a conflict: load the current version into the form (the unsaved edits are replaced). */
  const reload = async () => {
    const r = await existing.refetch();
    if (r.data) {
      setValues(toForm(r.data));
      setLoadedVersion(r.data.version);
      save.reset();
    }
  };

  return { resource, id, editing, existing, values, set, save, reload, conflict: isConflict(save.error) };
}

export type AuditForm<R, V> = ReturnType<typeof useAuditForm<R & { id: number; version: number }, V>>;
