// Management's answer to a finding: every submitted version (newest first, the first is
// the current one) and, for the assignee and holders of audits:write, the form that
// submits a newer one.
import { Badge, Card, Group, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { AddForm } from '../../../components/AddForm';
import { FormAlert } from '../../../components/FormAlert';
import { Section } from '../../../components/Section';
import { useAuditWrite } from '../hooks';
import type { Finding, ManagementResponse } from '../types';

const RESPONSE_FIELDS = ['response', 'action_plan', 'target_date'];

function ResponseForm({ finding }: { finding: Finding }) {
  const done = useAuditWrite();
  const [response, setResponse] = useState('');
  const [actionPlan, setActionPlan] = useState('');
  const [targetDate, setTargetDate] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api<Finding>(`/findings/${finding.id}/management-response`, {
        method: 'POST',
        body: { response, action_plan: actionPlan, target_date: targetDate || null },
      }),
    onSuccess: () => {
      setResponse('');
      setActionPlan('');
      setTargetDate('');
      done();
    },
  });
  const errs = mapApiErrors(m.error, RESPONSE_FIELDS);
  return (
    <AddForm
      id="response-form-title"
      title={finding.management_response ? 'Submit a newer response' : 'Submit the response'}
      onSubmit={() => m.mutate()}
      submitLabel="Submit response"
      pending={m.isPending}
    >
      <FormAlert message={errs.form} title="Could not submit the response" />
      <Textarea
        label="Response"
        required
        autosize
        minRows={3}
        maxLength={5000}
        value={response}
        onChange={(e) => setResponse(e.currentTarget.value)}
        error={errs.fields.response}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Textarea
          label="Action plan"
          autosize
          minRows={2}
          maxLength={5000}
          value={actionPlan}
          onChange={(e) => setActionPlan(e.currentTarget.value)}
          error={errs.fields.action_plan}
        />
        <TextInput
          label="Target date"
          type="date"
          value={targetDate}
          onChange={(e) => setTargetDate(e.currentTarget.value)}
          error={errs.fields.target_date}
        />
      </SimpleGrid>
    </AddForm>
  );
}

function Version({ r, n, current }: { r: ManagementResponse; n: number; current: boolean }) {
  const members = useMembers();
  return (
    <Card withBorder component="li" p="sm">
      <Group gap={6}>
        <Text size="sm" fw={600}>
          Version {n}
        </Text>
        {current && <Badge size="sm">Current</Badge>}
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        {members.name(r.submitted_by)} ·{' '}
        <time dateTime={r.submitted_at}>{new Date(r.submitted_at).toLocaleString()}</time>
      </Text>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {r.response}
      </Text>
      <Text size="sm" mt="xs" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        <b>Action plan:</b> {r.action_plan || '—'}
      </Text>
      <Text size="sm">
        <b>Target date:</b> {r.target_date ?? '—'}
      </Text>
    </Card>
  );
}

export function ManagementResponses({ finding, canRespond }: { finding: Finding; canRespond: boolean }) {
  const versions = finding.management_responses ?? (finding.management_response ? [finding.management_response] : []);
  return (
    <Section id="response-title" title="Management response">
      {versions.length ? (
        <Stack gap="xs" component="ol" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Response versions">
          {versions.map((r, i) => (
            <Version key={`${r.submitted_at}-${i}`} r={r} n={versions.length - i} current={i === 0} />
          ))}
        </Stack>
      ) : (
        <Text c="dimmed">No response submitted yet.</Text>
      )}
      {canRespond && <ResponseForm finding={finding} />}
    </Section>
  );
}
