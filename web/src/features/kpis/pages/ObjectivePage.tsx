import { Anchor, Button, Card, Group, List, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { useAsOfView } from '../../../lib/records';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { DataTable } from '../../../components/DataTable';
import { DetailField } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';
import { StaleBadge, TargetBadge } from '../components/KpiBadges';
import { ObjectiveProgress } from '../components/ObjectiveProgress';
import { useObjective } from '../hooks';
import { periodLabel } from '../periods';
import { formatMeasure, frequencyLabel, periodRange, targetText } from '../rules';
import type { Kpi, Objective, PastObjective } from '../types';

const KPI_COLUMNS = ['KPI', 'Standing', 'Latest value', 'Target', 'Frequency', 'Owner'];

/** The objective's own fields; `progress` (its KPIs on target) only where the KPIs are known. */
function ObjectiveDetails({
  objective,
  ownerName,
  progress,
}: {
  objective: Objective | PastObjective;
  ownerName: string;
  progress?: ReactNode;
}) {
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        {progress && <DetailField label="Progress">{progress}</DetailField>}
        <DetailField label="Owner">{ownerName}</DetailField>
        <DetailField label="Period">{periodRange(objective)}</DetailField>
        <DetailField label="Version">{objective.version}</DetailField>
        {!progress && <DetailField label="Updated">{new Date(objective.updated_at).toLocaleString()}</DetailField>}
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Description
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{objective.description || '—'}</Text>
    </Card>
  );
}

/**
 * The KPI section of a past view. The objective's events do not say which KPIs served it
 * (each KPI records its objective in its own events), so the past list is not rebuilt; the
 * KPIs serving it now are offered as they stood at the same time.
 */
function PastKpis({ kpis, asOf }: { kpis: Kpi[]; asOf: string }) {
  return (
    <Section id="asof-kpis-title" title="KPIs">
      <Text size="sm" c="dimmed" mb="xs">
        Which KPIs served this objective at that time is not rebuilt here: each KPI records its objective in its own
        history. The KPIs that serve it now open as they stood at that time.
      </Text>
      {kpis.length === 0 ? (
        <Text c="dimmed">No KPIs serve this objective now.</Text>
      ) : (
        <List aria-label="KPIs serving the objective now">
          {kpis.map((k) => (
            <List.Item key={k.id}>
              <Anchor component={Link} to={`/kpis/${k.id}?${new URLSearchParams({ as_of: asOf })}`}>
                {k.name}
              </Anchor>
            </List.Item>
          ))}
        </List>
      )}
    </Section>
  );
}

export function ObjectivePage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const members = useMembers();
  const current = useObjective(id);
  const view = useAsOfView<PastObjective>('objectives', id);
  const { asOf, past } = view;
  const o = current.data;
  const kpis = o?.kpis ?? [];

  return (
    <Stack>
      <BackLink to="/objectives">Back to objectives</BackLink>
      {current.isLoading && <Loading />}
      {isNotFound(current.error) ? (
        <NotFoundNotice
          heading={`Objective #${id}`}
          title="No such objective"
          message="This objective does not exist in this organization."
        />
      ) : (
        <ErrorAlert error={current.error} title="Could not load the objective" />
      )}
      {o && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              #{o.id} {asOf && past.data ? past.data.name : o.name}
            </Title>
            {can('kpis:write') && !asOf && (
              <Group>
                <Button component={Link} to={`/objectives/${o.id}/edit`} variant="default">
                  Edit
                </Button>
                <Button component={Link} to={`/kpis/new?objective_id=${o.id}`}>
                  Add a KPI
                </Button>
              </Group>
            )}
          </Group>

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState
                view={view}
                noun="objective"
                missing="The objective had not been set yet at that time."
              />
              {past.data && (
                <>
                  <ObjectiveDetails objective={past.data} ownerName={members.name(past.data.owner_id)} />
                  <PastKpis kpis={kpis} asOf={asOf} />
                </>
              )}
            </>
          ) : (
            <>
              <ObjectiveDetails
                objective={o}
                ownerName={members.name(o.owner_id)}
                progress={<ObjectiveProgress objective={o} />}
              />

              <Section id="kpis-title" title="KPIs">
                <Group justify="space-between" mb="xs">
                  <Text size="sm" c="dimmed">
                    {`${o.kpi_count} KPI${o.kpi_count === 1 ? '' : 's'}, ${o.on_target_count} on target`}
                  </Text>
                  <Anchor component={Link} to={`/kpis?objective_id=${o.id}`} size="sm">
                    Open them in the KPI list
                  </Anchor>
                </Group>
                <DataTable
                  minWidth={800}
                  columns={KPI_COLUMNS}
                  label="KPIs of the objective"
                  empty={kpis.length === 0 && 'No KPIs serve this objective yet.'}
                >
                  {kpis.map((k) => (
                    <Table.Tr key={k.id}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        <Anchor component={Link} to={`/kpis/${k.id}`}>
                          {k.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6} wrap="wrap">
                          <TargetBadge onTarget={k.on_target} />
                          {k.stale && <StaleBadge />}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        {k.latest_value === null
                          ? '—'
                          : `${formatMeasure(k.latest_value, k.unit)} (${periodLabel(k.latest_period ?? '')})`}
                      </Table.Td>
                      <Table.Td>{targetText(k)}</Table.Td>
                      <Table.Td>{frequencyLabel(k.frequency)}</Table.Td>
                      <Table.Td>{members.name(k.owner_id)}</Table.Td>
                    </Table.Tr>
                  ))}
                </DataTable>
              </Section>
            </>
          )}

          <HistorySection path={`/objectives/${id}/history`} queryKey={['objectives', 'history', id]} />
        </>
      )}
    </Stack>
  );
}
