// State of a create / edit page: the record loaded for editing, the form values, and the
// save (POST, or PUT of the changed fields with If-Match on the version the form was loaded from).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ifMatch, isConflict } from './api';
import { recordQuery } from './records';

type Body = Record<string, unknown>;

interface RecordFormSpec<R, V> {
  /** The collection under /api, which is also the app's path of its pages. */
  resource: string;
  /** The permission a save needs; `<resource>:write` when not given. */
  permission?: string;
  /** The record's id when editing; undefined when creating. */
  id: string | undefined;
  empty: V;
  toForm: (record: R) => V;
  toCreate: (values: V) => Body;
  toPatch: (values: V, original: R) => Body;
  /** Queries to refetch after a save (the saved record itself is stored at once). */
  invalidate: readonly string[];
}

export function useRecordForm<R extends { id: number; version: number }, V>(spec: RecordFormSpec<R, V>) {
  const { resource, id, toForm } = spec;
  const editing = id !== undefined;
  const qc = useQueryClient();
  const navigate = useNavigate();
  const existing = useQuery({ ...recordQuery<R>(resource, id), enabled: editing });

  const [values, setValues] = useState<V>(spec.empty);
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
      for (const key of spec.invalidate) qc.invalidateQueries({ queryKey: [key] });
      qc.setQueryData([resource, 'one', String(record.id)], record);
      navigate(`/${resource}/${record.id}`);
    },
  });

  const set = <K extends keyof V>(k: K, v: V[K]) => setValues((s) => ({ ...s, [k]: v }));

  /**
   * After a conflict: load the current version into the form (the unsaved edits are replaced).
   * The conflict proves a version newer than the form's exists, but another session's write
   * can take a moment to reach the list and detail read models: read again, a few times,
   * until the newer version shows.
   */
  const reload = async () => {
    const stale = loadedVersion ?? existing.data?.version ?? 0;
    let r = await existing.refetch();
    for (let wait = 200; r.data && r.data.version <= stale && wait <= 3200; wait *= 2) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      r = await existing.refetch();
    }
    if (r.data) {
      setValues(toForm(r.data));
      setLoadedVersion(r.data.version);
      save.reset();
    }
  };

  const permission = spec.permission ?? `${resource}:write`;
  return { resource, permission, id, editing, existing, values, set, save, reload, conflict: isConflict(save.error) };
}

export type RecordForm<R, V> = ReturnType<typeof useRecordForm<R & { id: number; version: number }, V>>;
