import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { TEST_RESULT_COLORS, effectivenessSource, frequencyLabel, typeLabel } from '../controls';
import { RATING_COLORS } from '../../risks';
import { useMembers } from '../../../lib/hooks';
import { useSlot } from '../../../lib/modules';
import { useFrameworkOptions } from '../hooks';
import { itemsOf, useEmbeddedList } from '../../../lib/paging';
import { recordQuery, useAsOfView } from '../../../lib/records';
import type { Control, ControlTest, EffectivenessChange } from '../types';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { ControlStatusBadge, EffectivenessBadge } from '../components/ControlBadges';
import { EffectivenessModal, RecordTestModal, RequirementMappings } from '../components/ControlActions';
import { DataTable } from '../../../components/DataTable';
import { DetailField, DetailsCard } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { LoadMore } from '../../../components/LoadMore';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

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
  // The detail holds the first page of each list; the rest is read on request, from
  // the lists' own routes, for this version of the control (as of a past time there is
  // no cursor: the routes read the present).
  const testPages = useEmbeddedList<ControlTest>(
    `/controls/${control.id}/tests`,
    ['controls', 'tests', String(control.id), prefix, control.version],
    {
      items: control.tests ?? [],
      total: control.tests_total ?? control.tests?.length ?? 0,
      nextCursor: control.tests_next_cursor ?? null,
    },
  );
  const changePages = useEmbeddedList<EffectivenessChange>(
    `/controls/${control.id}/effectiveness-history`,
    ['controls', 'effectiveness-history', String(control.id), prefix, control.version],
    {
      items: control.effectiveness_history ?? [],
      total: control.effectiveness_history_total ?? control.effectiveness_history?.length ?? 0,
      nextCursor: control.effectiveness_history_next_cursor ?? null,
    },
  );
  const tests = itemsOf(testPages.data);
  // Other modules' actions on a test, such as raising a finding from a failed one.
  const testActions = useSlot('controlTestActions');
  const changes = itemsOf(changePages.data);
  const risks = control.risks;
  return (
    <Stack>
      <DetailsCard description={control.description}>
        <DetailField label="Code">{control.code}</DetailField>
        <DetailField label="Status">
          <ControlStatusBadge value={control.status} />
        </DetailField>
        <DetailField label="Effectiveness">
          <EffectivenessBadge value={control.effectiveness} />
        </DetailField>
        <DetailField label="Last tested">{control.last_tested_at ? when(control.last_tested_at) : 'Never'}</DetailField>
        <DetailField label="Type">{typeLabel(control.type)}</DetailField>
        <DetailField label="Frequency">{frequencyLabel(control.frequency)}</DetailField>
        <DetailField label="Framework">
          {control.framework_id ? (
            <Anchor component={Link} to={`/frameworks/${control.framework_id}`}>
              {frameworkName(control.framework_id)}
            </Anchor>
          ) : (
            '—'
          )}
        </DetailField>
        <DetailField label="Owner">{ownerName(control.owner_id)}</DetailField>
        <DetailField label="Version">{control.version}</DetailField>
        <DetailField label="Created">{when(control.created_at)}</DetailField>
        <DetailField label="Updated">{when(control.updated_at)}</DetailField>
      </DetailsCard>

      <Section id={`${prefix}tests-title`} title="Tests">
        {tests.length ? (
          <DataTable
            minWidth={640}
            columns={[
              'Test',
              'Tested at',
              'Result',
              'Notes',
              'Recorded by',
              ...(testActions.length ? ['Actions'] : []),
            ]}
          >
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
                {testActions.length ? (
                  <Table.Td>
                    {testActions.map((Action, i) => (
                      <Action key={i} controlId={control.id} testId={t.id} result={t.result} />
                    ))}
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </DataTable>
        ) : (
          <Text c="dimmed">No tests recorded.</Text>
        )}
        <LoadMore
          shown={tests.length}
          total={control.tests_total ?? tests.length}
          noun="tests"
          hasMore={testPages.hasNextPage}
          loading={testPages.isFetchingNextPage}
          error={testPages.isFetchNextPageError ? testPages.error : null}
          onLoad={() => void testPages.fetchNextPage()}
        />
      </Section>

      <Section id={`${prefix}effectiveness-title`} title="Effectiveness history">
        {changes.length ? (
          <DataTable minWidth={640} columns={['When', 'Change', 'Changed by', 'Notes']}>
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
          </DataTable>
        ) : (
          <Text c="dimmed">The effectiveness has not changed since the control was created.</Text>
        )}
        <LoadMore
          shown={changes.length}
          total={control.effectiveness_history_total ?? changes.length}
          noun="changes"
          hasMore={changePages.hasNextPage}
          loading={changePages.isFetchingNextPage}
          error={changePages.isFetchNextPageError ? changePages.error : null}
          onLoad={() => void changePages.fetchNextPage()}
        />
      </Section>

      {risks !== undefined && (
        <Section id={`${prefix}risks-title`} title="Mapped risks">
          {risks.length ? (
            <DataTable minWidth={520} columns={['Risk', 'Status', 'Score', 'Rating']}>
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
            </DataTable>
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
  const { can } = useAuth();
  const members = useMembers();
  const frameworks = useFrameworkOptions();
  const [testOpen, testModal] = useDisclosure(false);
  const [effOpen, effModal] = useDisclosure(false);

  const current = useQuery(recordQuery<Control>('controls', id));
  const view = useAsOfView<Control>('controls', id);
  const { asOf, past } = view;

  const control = current.data;
  const shown = asOf ? past.data : control;

  return (
    <Stack>
      <BackLink to="/controls">Back to controls</BackLink>
      {current.isLoading && <Loading />}
      {isNotFound(current.error) ? (
        <NotFoundNotice
          heading={`Control #${id}`}
          title="Not in the library"
          message="This control does not exist in this organization."
        />
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

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState view={view} noun="control" missing="The control did not exist at that time." />
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

          <HistorySection path={`/controls/${id}/history`} queryKey={['controls', 'history', id]} />

          {can('controls:test') && <RecordTestModal control={control} opened={testOpen} onClose={testModal.close} />}
          {can('controls:write') && <EffectivenessModal control={control} opened={effOpen} onClose={effModal.close} />}
        </>
      )}
    </Stack>
  );
}
