import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { TEST_RESULT_COLORS, effectivenessSource, frequencyLabel, typeLabel } from '../lib/controls';
import { RATING_COLORS } from '../lib/heatmap';
import { localToRfc3339, rfc3339ToLocal } from '../lib/history';
import { useFrameworkOptions, useMembers } from '../lib/hooks';
import type { Control } from '../lib/types';
import { ControlStatusBadge, EffectivenessBadge } from '../components/ControlBadges';
import { EffectivenessModal, RecordTestModal, RequirementMappings } from '../components/ControlActions';
import { ErrorAlert } from '../components/ErrorAlert';
import { HistoryTimeline } from '../components/HistoryTimeline';
import { Loading } from '../components/Loading';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" component="dt">
        {label}
      </Text>
      <Text component="dd" m={0}>
        {children}
      </Text>
    </div>
  );
}

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-labelledby={id}>
      <Title order={2} size="h4" mb="sm" id={id}>
        {title}
      </Title>
      {children}
    </Card>
  );
}

function ControlDetails({
  control,
  ownerName,
  frameworkName,
  editable = false,
  prefix = '',
}: {
  control: Control;
  ownerName: (id: number | null) => string;
  frameworkName: (id: number | null) => string;
  editable?: boolean;
  /** Distinguishes the ids of the sections of the historical view. */
  prefix?: string;
}) {
  const tests = control.tests ?? [];
  const changes = control.effectiveness_history ?? [];
  const risks = control.risks;
  return (
    <Stack>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
          <Field label="Code">{control.code}</Field>
          <Field label="Status">
            <ControlStatusBadge value={control.status} />
          </Field>
          <Field label="Effectiveness">
            <EffectivenessBadge value={control.effectiveness} />
          </Field>
          <Field label="Last tested">{control.last_tested_at ? when(control.last_tested_at) : 'Never'}</Field>
          <Field label="Type">{typeLabel(control.type)}</Field>
          <Field label="Frequency">{frequencyLabel(control.frequency)}</Field>
          <Field label="Framework">
            {control.framework_id ? (
              <Anchor component={Link} to={`/frameworks/${control.framework_id}`}>
                {frameworkName(control.framework_id)}
              </Anchor>
            ) : (
              '—'
            )}
          </Field>
          <Field label="Owner">{ownerName(control.owner_id)}</Field>
          <Field label="Version">{control.version}</Field>
          <Field label="Created">{when(control.created_at)}</Field>
          <Field label="Updated">{when(control.updated_at)}</Field>
        </SimpleGrid>
        <Text size="xs" c="dimmed" mt="md">
          Description
        </Text>
        <Text style={{ whiteSpace: 'pre-wrap' }}>{control.description || '—'}</Text>
      </Card>

      <Section id={`${prefix}tests-title`} title="Tests">
        {tests.length ? (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Test</Table.Th>
                  <Table.Th scope="col">Tested at</Table.Th>
                  <Table.Th scope="col">Result</Table.Th>
                  <Table.Th scope="col">Notes</Table.Th>
                  <Table.Th scope="col">Recorded by</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tests.map((t) => (
                  <Table.Tr key={t.id}>
                    <Table.Td>#{t.id}</Table.Td>
                    <Table.Td>
                      <time dateTime={t.tested_at}>{when(t.tested_at)}</time>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={TEST_RESULT_COLORS[t.result] ?? '#495057'}>{t.result}</Badge>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{t.notes || '—'}</Table.Td>
                    <Table.Td>
                      {t.recorded_by?.name ?? '—'}
                      <Text size="xs" c="dimmed">
                        {when(t.recorded_at)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text c="dimmed">No tests recorded.</Text>
        )}
      </Section>

      <Section id={`${prefix}effectiveness-title`} title="Effectiveness history">
        {changes.length ? (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">When</Table.Th>
                  <Table.Th scope="col">Change</Table.Th>
                  <Table.Th scope="col">Changed by</Table.Th>
                  <Table.Th scope="col">Notes</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {changes.map((c, i) => (
                  <Table.Tr key={`${c.changed_at}-${i}`}>
                    <Table.Td>
                      <time dateTime={c.changed_at}>{when(c.changed_at)}</time>
                    </Table.Td>
                    <Table.Td>
                      {c.previous || 'Not Tested'} → <b>{c.effectiveness}</b>
                    </Table.Td>
                    <Table.Td>
                      {effectivenessSource(c, tests)}
                      {c.test_id !== null && c.test_id !== undefined && c.changed_by?.name && (
                        <Text size="xs" c="dimmed">
                          recorded by {c.changed_by.name}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{c.notes || '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text c="dimmed">The effectiveness has not changed since the control was created.</Text>
        )}
      </Section>

      {risks !== undefined && (
        <Section id={`${prefix}risks-title`} title="Mapped risks">
          {risks.length ? (
            <Table.ScrollContainer minWidth={520}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Risk</Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Score</Table.Th>
                    <Table.Th scope="col">Rating</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {risks.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        <Anchor component={Link} to={`/risks/${r.id}`}>
                          #{r.id} {r.title}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{r.status}</Table.Td>
                      <Table.Td>{r.inherent_score}</Table.Td>
                      <Table.Td>
                        <Badge color={RATING_COLORS[r.rating]}>{r.rating}</Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : (
            <Text c="dimmed">No risks are mapped to this control.</Text>
          )}
        </Section>
      )}

      <Section id={`${prefix}requirements-title`} title="Requirements">
        <RequirementMappings control={control} editable={editable} />
      </Section>
    </Stack>
  );
}

export function ControlPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const asOf = params.get('as_of') ?? '';
  const [asOfInput, setAsOfInput] = useState(asOf ? rfc3339ToLocal(asOf) : '');
  const { can } = useAuth();
  const members = useMembers();
  const frameworks = useFrameworkOptions();
  const [testOpen, testModal] = useDisclosure(false);
  const [effOpen, effModal] = useDisclosure(false);

  const current = useQuery({
    queryKey: ['controls', 'one', id],
    queryFn: async () => (await api<Control>(`/controls/${id}`)).data,
  });
  const past = useQuery({
    queryKey: ['controls', 'asof', id, asOf],
    queryFn: async () => (await api<Control>(`/controls/${id}`, { query: { as_of: asOf } })).data,
    enabled: asOf !== '',
  });

  const applyAsOf = () => {
    const iso = localToRfc3339(asOfInput);
    const next = new URLSearchParams(params);
    if (iso) next.set('as_of', iso);
    else next.delete('as_of');
    setParams(next);
  };
  const clearAsOf = () => {
    setAsOfInput('');
    const next = new URLSearchParams(params);
    next.delete('as_of');
    setParams(next);
  };

  const control = current.data;
  const shown = asOf ? past.data : control;

  return (
    <Stack>
      <Anchor component={Link} to="/controls" size="sm">
        ← Back to controls
      </Anchor>
      {current.isLoading && <Loading />}
      {current.error instanceof ApiError && current.error.status === 404 ? (
        <Stack>
          <Title order={1}>Control #{id}</Title>
          <Alert color="gray" title="Not in the library">
            This control does not exist in this organization.
          </Alert>
        </Stack>
      ) : (
        <ErrorAlert error={current.error} title="Could not load the control" />
      )}
      {control && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              {shown ? `${shown.code} ${shown.title}` : `${control.code} ${control.title}`}
            </Title>
            {!asOf && (
              <Group>
                {can('controls:write') && (
                  <Button component={Link} to={`/controls/${control.id}/edit`}>
                    Edit
                  </Button>
                )}
                {can('controls:test') && (
                  <Button variant="outline" onClick={testModal.open}>
                    Record test
                  </Button>
                )}
                {can('controls:write') && (
                  <Button variant="outline" onClick={effModal.open}>
                    Change effectiveness
                  </Button>
                )}
              </Group>
            )}
          </Group>

          <Card withBorder component="section" aria-label="View as of">
            <Group align="flex-end" wrap="wrap">
              <TextInput
                label="View as of (your local time)"
                type="datetime-local"
                step={1}
                value={asOfInput}
                onChange={(e) => setAsOfInput(e.currentTarget.value)}
                onKeyDown={(e) => e.key === 'Enter' && applyAsOf()}
              />
              <Button onClick={applyAsOf} disabled={!asOfInput}>
                Show
              </Button>
              {asOf && (
                <Button variant="default" onClick={clearAsOf}>
                  Back to current
                </Button>
              )}
            </Group>
          </Card>

          {asOf ? (
            <>
              <Alert color="blue" title="Historical view">
                The control as it stood at {new Date(asOf).toLocaleString()} ({asOf}), rebuilt from its events.
              </Alert>
              {past.isLoading && <Loading />}
              {past.error instanceof ApiError && past.error.status === 404 ? (
                <Alert color="gray">The control did not exist at that time.</Alert>
              ) : (
                <ErrorAlert error={past.error} />
              )}
              {past.data && (
                <ControlDetails
                  control={past.data}
                  ownerName={members.name}
                  frameworkName={frameworks.name}
                  prefix="asof-"
                />
              )}
            </>
          ) : (
            <ControlDetails
              control={control}
              ownerName={members.name}
              frameworkName={frameworks.name}
              editable={can('controls:write')}
            />
          )}

          <Card withBorder component="section" aria-labelledby="history-title">
            <Title order={2} size="h4" mb="sm" id="history-title">
              History
            </Title>
            <HistoryTimeline path={`/controls/${id}/history`} queryKey={['controls', 'history', id]} />
          </Card>

          {can('controls:test') && <RecordTestModal control={control} opened={testOpen} onClose={testModal.close} />}
          {can('controls:write') && <EffectivenessModal control={control} opened={effOpen} onClose={effModal.close} />}
        </>
      )}
    </Stack>
  );
}
