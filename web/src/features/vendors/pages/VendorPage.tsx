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
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { isNotFound } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { useAsOfView } from '../../../lib/records';
import { AsOfPicker, HistoricalState } from '../../../components/AsOfView';
import { DataTable } from '../../../components/DataTable';
import { DetailField } from '../../../components/DetailsCard';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { HistorySection } from '../../../components/HistoryTimeline';
import { Loading } from '../../../components/Loading';
import { BackLink, NotFoundNotice } from '../../../components/RecordPageParts';
import { Section } from '../../../components/Section';
import { RemoveVendor } from '../components/RemoveVendor';
import { ReviewVendor } from '../components/ReviewVendor';
import { CriticalityBadge, OverdueBadge, TierBadge, VendorStatusBadge } from '../components/VendorBadges';
import { useVendor } from '../hooks';
import { decisionLabel, overdueText } from '../rules';
import type { Vendor } from '../types';

const when = (iso: string) => new Date(iso).toLocaleString();

function VendorDetails({ v }: { v: Vendor }) {
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} component="dl" m={0}>
        <DetailField label="Risk tier">
          <TierBadge value={v.risk_tier} />
        </DetailField>
        <DetailField label="Criticality">
          <CriticalityBadge value={v.criticality} />
        </DetailField>
        <DetailField label="Status">
          <VendorStatusBadge value={v.status} />
        </DetailField>
        <DetailField label="Next review">
          <Group gap={6} component="span">
            <span>{v.next_review ?? 'Not set'}</span>
            {v.overdue_review && <OverdueBadge />}
          </Group>
        </DetailField>
        <DetailField label="Last review">{v.last_review_at ?? 'Never'}</DetailField>
        <DetailField label="Service">{v.service || '—'}</DetailField>
        <DetailField label="Contact">{v.contact_name || '—'}</DetailField>
        <DetailField label="Contact email">
          {v.contact_email ? (
            <Anchor href={`mailto:${v.contact_email}`} style={{ overflowWrap: 'anywhere' }}>
              {v.contact_email}
            </Anchor>
          ) : (
            '—'
          )}
        </DetailField>
        <DetailField label="Added">{when(v.created_at)}</DetailField>
        <DetailField label="Updated">{when(v.updated_at)}</DetailField>
        <DetailField label="Version">{v.version}</DetailField>
      </SimpleGrid>
    </Card>
  );
}

/** `past` is set for a vendor as it stood at an instant, whose risks are described as they stood then. */
function LinkedRisks({ v, past = false }: { v: Vendor; past?: boolean }) {
  const risks = v.risks ?? [];
  const gone = v.risk_ids.length - risks.length;
  const missing = past
    ? `${gone} linked risk${gone === 1 ? ' was' : 's were'} not in the register at that time.`
    : `${gone} linked risk${gone === 1 ? ' has' : 's have'} since been deleted from the register.`;
  return (
    <Section id="risks-title" title="Linked risks">
      <DataTable
        minWidth={500}
        columns={['Risk', 'Rating', 'Status']}
        label="Linked risks of the register"
        empty={risks.length === 0 && 'No linked risks.'}
      >
        {risks.map((r) => (
          <Table.Tr key={r.id}>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>
              <Anchor component={Link} to={`/risks/${r.id}`}>
                {`#${r.id} ${r.title}`}
              </Anchor>
            </Table.Td>
            <Table.Td>{r.rating}</Table.Td>
            <Table.Td>{r.status}</Table.Td>
          </Table.Tr>
        ))}
      </DataTable>
      {gone > 0 && (
        <Text size="sm" c="dimmed" mt="xs">
          {missing}
        </Text>
      )}
    </Section>
  );
}

function Reviews({ v }: { v: Vendor }) {
  const reviews = v.reviews ?? [];
  return (
    <Section id="reviews-title" title="Reviews">
      <Text size="sm" c="dimmed" mb="xs">
        Newest first.
      </Text>
      <DataTable
        minWidth={900}
        columns={['Reviewed on', 'Decision', 'Tier', 'Next review', 'Reviewer', 'Notes']}
        label="Reviews, newest first"
        empty={reviews.length === 0 && 'Not reviewed yet.'}
      >
        {reviews.map((r) => (
          <Table.Tr key={r.id}>
            <Table.Td>{r.reviewed_at}</Table.Td>
            <Table.Td>{decisionLabel(r.decision)}</Table.Td>
            <Table.Td>
              {r.risk_tier === r.risk_tier_from ? (
                <Group gap={6} component="span">
                  <TierBadge value={r.risk_tier} />
                  <Text size="xs" component="span">
                    confirmed
                  </Text>
                </Group>
              ) : (
                <Group gap={6} component="span" wrap="nowrap">
                  <TierBadge value={r.risk_tier_from} />
                  <span aria-hidden="true">→</span>
                  <VisuallyHidden>to</VisuallyHidden>
                  <TierBadge value={r.risk_tier} />
                </Group>
              )}
            </Table.Td>
            <Table.Td>{r.next_review}</Table.Td>
            <Table.Td>{r.reviewer_name || `User #${r.reviewer_id}`}</Table.Td>
            <Table.Td style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>{r.notes || '—'}</Table.Td>
          </Table.Tr>
        ))}
      </DataTable>
    </Section>
  );
}

function TierHistory({ v }: { v: Vendor }) {
  const changes = v.tier_history ?? [];
  return (
    <Section id="tiers-title" title="Tier history">
      <Text size="sm" c="dimmed" mb="xs">
        Every risk tier the vendor has had, oldest first.
      </Text>
      <DataTable
        minWidth={800}
        columns={['From', 'To', 'Through', 'By', 'When', 'Reason']}
        label="Risk tiers, oldest first"
        empty={changes.length === 0 && 'No tier recorded.'}
      >
        {changes.map((c, i) => (
          <Table.Tr key={`${c.at}-${i}`}>
            <Table.Td>{c.from ? <TierBadge value={c.from} /> : 'First tier'}</Table.Td>
            <Table.Td>
              <TierBadge value={c.to} />
            </Table.Td>
            <Table.Td>
              {c.review_id ? (
                <Badge variant="outline" color="#1864ab" style={{ minWidth: 'max-content' }}>
                  {`Review #${c.review_id}`}
                </Badge>
              ) : c.from ? (
                'Edit'
              ) : (
                'Creation'
              )}
            </Table.Td>
            <Table.Td>{c.by_name || `User #${c.by}`}</Table.Td>
            <Table.Td>
              <Text size="sm" component="time" dateTime={c.at}>
                {when(c.at)}
              </Text>
            </Table.Td>
            <Table.Td style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>{c.reason || '—'}</Table.Td>
          </Table.Tr>
        ))}
      </DataTable>
    </Section>
  );
}

/** Everything the page shows of a vendor's record, current or as it stood at an instant. */
function VendorRecord({ v, past = false }: { v: Vendor; past?: boolean }) {
  return (
    <>
      <VendorDetails v={v} />
      <LinkedRisks v={v} past={past} />
      <Reviews v={v} />
      <TierHistory v={v} />
    </>
  );
}

export function VendorPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const current = useVendor(id);
  const view = useAsOfView<Vendor>('vendors', id);
  const { asOf, past } = view;
  const v = current.data;
  const overdue = v ? overdueText(v) : null;
  const gone = isNotFound(current.error);
  const history = <HistorySection path={`/vendors/${id}/history`} queryKey={['vendors', 'history', id]} />;
  const pastView = (
    <>
      <HistoricalState
        view={view}
        noun="vendor"
        missing="The vendor did not exist at that time (or had already been removed)."
      />
      {past.data && gone && (
        <Title order={2} style={{ overflowWrap: 'anywhere' }}>
          {past.data.name}
        </Title>
      )}
      {past.data && <VendorRecord v={past.data} past />}
    </>
  );

  return (
    <Stack>
      <BackLink to="/vendors">Back to vendors</BackLink>
      {current.isLoading && <Loading />}
      {gone ? (
        <NotFoundNotice
          heading={`Vendor #${id}`}
          title="No such vendor"
          message="This vendor does not exist in this organization, or has been removed. A removed vendor can still be viewed as it stood before its removal, and its history stays readable."
        >
          <AsOfPicker view={view} />
          {asOf && pastView}
          {history}
        </NotFoundNotice>
      ) : (
        <ErrorAlert error={current.error} title="Could not load the vendor" />
      )}
      {v && (
        <>
          <Group justify="space-between" align="flex-start">
            <Title order={1} style={{ overflowWrap: 'anywhere' }}>
              #{v.id} {asOf && past.data ? past.data.name : v.name}
            </Title>
            {can('vendors:write') && !asOf && (
              <Group>
                <ReviewVendor vendor={v} />
                <Button component={Link} to={`/vendors/${v.id}/edit`} variant="default">
                  Edit
                </Button>
                <RemoveVendor vendor={v} />
              </Group>
            )}
          </Group>
          {overdue && !asOf && (
            <Alert color="red.9" variant="outline" title="Review overdue">
              {`${overdue}: record a review to set the next date.`}
            </Alert>
          )}

          <AsOfPicker view={view} />
          {asOf ? pastView : <VendorRecord v={v} />}
          {history}
        </>
      )}
    </Stack>
  );
}
