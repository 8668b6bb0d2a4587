import { Alert, Anchor, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { lazy, Suspense, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { useMembers } from '../../../lib/hooks';
import { useAsOfView } from '../../../lib/records';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { DetailField } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';
import { StaleBadge, TargetBadge } from '../components/KpiBadges';
import { PerformanceTable } from '../components/PerformanceTable';
import { RecordValueForm } from '../components/RecordValueForm';
import { useKpi, usePerformance } from '../hooks';
import { dueDate, isoDay, periodLabel } from '../periods';
import { directionLabel, formatMeasure, frequencyLabel, standingText, staleText, targetText } from '../rules';
import type { Kpi, PerformanceEntry } from '../types';

const KpiChart = lazy(() => import('../components/KpiChart'));

const when = (iso: string) => new Date(iso).toLocaleString();

function KpiDetails({ kpi, ownerName }: { kpi: Kpi; ownerName: string }) {
  const due = kpi.last_due_period ? dueDate(kpi.last_due_period) : null;
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        <DetailField label="Standing">
          <Group gap={6} component="span">
            <TargetBadge onTarget={kpi.on_target} />
            {kpi.stale && <StaleBadge />}
          </Group>
        </DetailField>
        <DetailField label="Latest value">
          {kpi.latest_value === null
            ? '—'
            : `${formatMeasure(kpi.latest_value, kpi.unit)} (${periodLabel(kpi.latest_period ?? '')})`}
        </DetailField>
        <DetailField label="Target">{targetText(kpi)}</DetailField>
        <DetailField label="Direction">{directionLabel(kpi.direction)}</DetailField>
        <DetailField label="Frequency">{frequencyLabel(kpi.frequency)}</DetailField>
        <DetailField label="Unit">{kpi.unit || '—'}</DetailField>
        <DetailField label="Objective">
          {kpi.objective_id ? (
            <Anchor component={Link} to={`/objectives/${kpi.objective_id}`}>
              {kpi.objective_name ?? `Objective #${kpi.objective_id}`}
            </Anchor>
          ) : (
            '—'
          )}
        </DetailField>
        <DetailField label="Owner">{ownerName}</DetailField>
        <DetailField label="Last period due">
          {kpi.last_due_period
            ? `${periodLabel(kpi.last_due_period)}${due ? ` (due by ${isoDay(due)})` : ''}`
            : 'None due yet'}
        </DetailField>
        <DetailField label="Defined">{when(kpi.created_at)}</DetailField>
        <DetailField label="Updated">{when(kpi.updated_at)}</DetailField>
        <DetailField label="Version">{kpi.version}</DetailField>
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Description
      </Text>
      <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{kpi.description || '—'}</Text>
    </Card>
  );
}

/** The values recorded by an instant: a KPI's performance is replayed from the same stream as the KPI. */
function recordedBy(entries: PerformanceEntry[], asOf: string): PerformanceEntry[] {
  const at = Date.parse(asOf);
  return entries.filter((e) => Date.parse(e.recorded_at) <= at);
}

/**
 * The KPI's standing, details, chart and performance; `form` goes between the chart and the
 * performance table, where a writer records a value.
 */
function KpiRecord({
  kpi,
  entries,
  loading,
  error,
  ownerName,
  form,
}: {
  kpi: Kpi;
  entries: PerformanceEntry[];
  loading: boolean;
  error: unknown;
  ownerName: string;
  form?: ReactNode;
}) {
  const stale = staleText(kpi);
  return (
    <>
      <Text>{standingText(kpi)}</Text>
      {stale && (
        <Alert color="#a63a0c" title="A value is overdue">
          {stale}
        </Alert>
      )}

      <KpiDetails kpi={kpi} ownerName={ownerName} />

      <Section id="chart-title" title="Values against the target">
        <ErrorAlert error={error} title="Could not load the values" />
        {loading ? (
          <Loading />
        ) : entries.length === 0 ? (
          <Text c="dimmed">No values recorded yet.</Text>
        ) : (
          <Suspense fallback={<Loading />}>
            <KpiChart kpi={kpi} entries={entries} />
          </Suspense>
        )}
      </Section>

      {form}

      <Section id="performance-title" title="Performance">
        <Text size="sm" c="dimmed" mb="xs">
          Every value recorded, newest period first; a correction shows the value it replaced, who made it, when and
          why.
        </Text>
        {loading ? <Loading /> : <PerformanceTable kpi={kpi} entries={entries} />}
      </Section>
    </>
  );
}

export function KpiPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const members = useMembers();
  const current = useKpi(id);
  const performance = usePerformance(id);
  const view = useAsOfView<Kpi>('kpis', id);
  const { asOf, past } = view;
  const kpi = current.data;
  const entries = performance.data ?? [];

  return (
    <Stack>
      <BackLink to="/kpis">Back to KPIs</BackLink>
      {current.isLoading && <Loading />}
      {isNotFound(current.error) ? (
        <NotFoundNotice
          heading={`KPI #${id}`}
          title="No such KPI"
          message="This KPI does not exist in this organization."
        />
      ) : (
        <ErrorAlert error={current.error} title="Could not load the KPI" />
      )}
      {kpi && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              #{kpi.id} {asOf && past.data ? past.data.name : kpi.name}
            </Title>
            {can('kpis:write') && !asOf && (
              <Button component={Link} to={`/kpis/${kpi.id}/edit`} variant="default">
                Edit
              </Button>
            )}
          </Group>

          <AsOfPicker view={view} />

          {asOf ? (
            <>
              <HistoricalState view={view} noun="KPI" missing="The KPI had not been defined yet at that time." />
              {past.data && (
                <KpiRecord
                  kpi={past.data}
                  entries={recordedBy(entries, asOf)}
                  loading={performance.isLoading}
                  error={performance.error}
                  ownerName={members.name(past.data.owner_id)}
                />
              )}
            </>
          ) : (
            <KpiRecord
              kpi={kpi}
              entries={entries}
              loading={performance.isLoading}
              error={performance.error}
              ownerName={members.name(kpi.owner_id)}
              form={
                can('kpis:write') && (
                  <Section id="record-title" title="Record a value">
                    {performance.isLoading ? (
                      <Loading />
                    ) : (
                      <RecordValueForm kpi={kpi} entries={entries} labelledBy="record-title" />
                    )}
                  </Section>
                )
              }
            />
          )}

          <HistorySection path={`/kpis/${id}/history`} queryKey={['kpis', 'history', id]} />
        </>
      )}
    </Stack>
  );
}
