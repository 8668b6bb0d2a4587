// The "view as of" part of a detail page: the time picker and the state of the historical record.
import { Alert, Button, Card, Group, TextInput } from '@mantine/core';
import { isNotFound } from '../lib/api';
import type { AsOfView } from '../lib/records';
import { ErrorAlert } from './ErrorAlert';
import { Loading } from './Loading';

export function AsOfPicker({ view }: { view: AsOfView<unknown> }) {
  return (
    <Card withBorder component="section" aria-label="View as of">
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="View as of (your local time)"
          type="datetime-local"
          step={1}
          value={view.input}
          onChange={(e) => view.setInput(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && view.apply()}
        />
        <Button onClick={view.apply} disabled={!view.input}>
          Show
        </Button>
        {view.asOf && (
          <Button variant="default" onClick={view.clear}>
            Back to current
          </Button>
        )}
      </Group>
    </Card>
  );
}

/** The "Historical view" notice, then loading, "did not exist" (`missing`) or an error. */
export function HistoricalState({
  view,
  noun,
  missing,
}: {
  view: AsOfView<unknown>;
  /** "control", "risk". */
  noun: string;
  missing: string;
}) {
  const { asOf, past } = view;
  return (
    <>
      <Alert color="blue" title="Historical view">
        The {noun} as it stood at {new Date(asOf).toLocaleString()} ({asOf}), rebuilt from its events.
      </Alert>
      {past.isLoading && <Loading />}
      {isNotFound(past.error) ? <Alert color="gray">{missing}</Alert> : <ErrorAlert error={past.error} />}
    </>
  );
}
