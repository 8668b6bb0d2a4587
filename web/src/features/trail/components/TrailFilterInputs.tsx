// The trail's time filter: it shows the API's complaint about its value, and takes a
// local time for an RFC 3339 instant.
import { TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { localToRfc3339, rfc3339ToLocal } from '../../../lib/history';

interface Props {
  label: string;
  description: string;
  /** The value in the URL. */
  value: string;
  onCommit: (v: string) => void;
  /** What the API said is wrong with the value, shown beside it. */
  error?: string;
}

/**
 * A time filter: the input shows local time (datetime-local), the URL and the API hold
 * the instant in RFC 3339. A half-typed time is not committed; the input keeps it.
 */
export function DateTimeFilter({ label, description, value, onCommit, error }: Props) {
  const [local, setLocal] = useState(() => rfc3339ToLocal(value));
  useEffect(() => setLocal(value ? rfc3339ToLocal(value) : ''), [value]);
  const debounced = useDebouncedCallback((v: string) => {
    const iso = localToRfc3339(v);
    if (iso !== null || v === '') onCommit(iso ?? '');
  }, 400);
  return (
    <TextInput
      label={label}
      description={description}
      type="datetime-local"
      step={1}
      value={local}
      error={error}
      onChange={(e) => {
        setLocal(e.currentTarget.value);
        debounced(e.currentTarget.value);
      }}
    />
  );
}
