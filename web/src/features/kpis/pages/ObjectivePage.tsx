import { Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
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

const KPI_COLUMNS = ['KPI', 'Standing', 'Latest value', 'Target', 'Frequency', 'Owner'];

export function ObjectivePage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const members = useMembers();
  const current = useObjective(id);
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
              #{o.id} {o.name}
            </Title>
            {can('kpis:write') && (
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

          <Card withBorder>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
              <DetailField label="Progress">
                <ObjectiveProgress objective={o} />
              </DetailField>
              <DetailField label="Owner">{members.name(o.owner_id)}</DetailField>
              <DetailField label="Period">{periodRange(o)}</DetailField>
              <DetailField label="Version">{o.version}</DetailField>
            </SimpleGrid>
            <Text size="xs" c="dimmed" mt="md">
              Description
            </Text>
            <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{o.description || '—'}</Text>
          </Card>

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

          <HistorySection path={`/objectives/${id}/history`} queryKey={['objectives', 'history', id]} />
        </>
      )}
    </Stack>
  );
}
