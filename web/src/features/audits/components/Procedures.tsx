// The engagement's work programme: its procedures, their sign-off, and (with
// audits:write) adding, editing and signing off.
import { Button, Group, Select, SimpleGrid, Table, Text, TextInput, Textarea, VisuallyHidden } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { AddForm } from '../../../components/AddForm';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { Section } from '../../../components/Section';
import { useAuditWrite } from '../hooks';
import { signOffState, workClosedReason } from '../rules';
import { PROCEDURE_STATUSES, type Engagement, type Procedure, type ProcedureStatus } from '../types';
import { procedureStatusLabel } from './AuditBadges';
import { ReasonedButton } from './ReasonedButton';
import { ScrollTable } from './ScrollTable';
import { WriteError } from './WriteError';

const STATUS_OPTIONS = PROCEDURE_STATUSES.map((s) => ({ value: s, label: procedureStatusLabel(s) }));
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');

function AddProcedureForm({ engagement }: { engagement: Engagement }) {
  const done = useAuditWrite();
  const members = useMembers();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [assignee, setAssignee] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api<Procedure>(`/engagements/${engagement.id}/procedures`, {
        method: 'POST',
        body: { title, description, assigned_to: assignee ? Number(assignee) : null },
      }),
    onSuccess: () => {
      setTitle('');
      setDescription('');
      setAssignee('');
      done();
    },
  });
  const errs = mapApiErrors(m.error, ['title', 'description', 'assigned_to']);
  return (
    <AddForm
      id="add-procedure-title"
      title="Add a procedure"
      onSubmit={() => m.mutate()}
      submitLabel="Add procedure"
      pending={m.isPending}
    >
      <FormAlert message={errs.form} title="Could not add the procedure" />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Title"
          required
          maxLength={300}
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={errs.fields.title}
        />
        <Select
          label="Assigned to"
          clearable
          searchable
          placeholder="Nobody yet"
          data={members.options}
          value={assignee || null}
          onChange={(v) => setAssignee(v ?? '')}
          error={errs.fields.assigned_to}
        />
      </SimpleGrid>
      <Textarea
        label="Description"
        description="What the procedure checks, and how"
        autosize
        minRows={2}
        maxLength={10000}
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
        error={errs.fields.description}
      />
    </AddForm>
  );
}

const EDIT_FIELDS = ['status', 'conclusion', 'assigned_to'];

function EditProcedureModal({
  engagement,
  procedure,
  onClose,
}: {
  engagement: Engagement;
  procedure: Procedure | null;
  onClose: () => void;
}) {
  const done = useAuditWrite();
  const members = useMembers();
  const [status, setStatus] = useState<ProcedureStatus>('not_started');
  const [conclusion, setConclusion] = useState('');
  const [assignee, setAssignee] = useState('');
  useEffect(() => {
    if (procedure) {
      setStatus(procedure.status);
      setConclusion(procedure.conclusion ?? '');
      setAssignee(procedure.assigned_to ? String(procedure.assigned_to) : '');
    }
  }, [procedure]);
  const m = useMutation({
    mutationFn: (p: Procedure) => {
      const body: Record<string, unknown> = {};
      if (status !== p.status) body.status = status;
      if (conclusion !== (p.conclusion ?? '')) body.conclusion = conclusion;
      const assigned = assignee ? Number(assignee) : null;
      if (assigned !== p.assigned_to) body.assigned_to = assigned;
      return api<Procedure>(`/engagements/${engagement.id}/procedures/${p.id}`, {
        method: 'PUT',
        body,
        headers: { 'If-Match': ifMatch(p.version) },
      });
    },
    onSuccess: () => {
      done();
      close();
    },
  });
  const close = () => {
    m.reset();
    onClose();
  };
  const errs = mapApiErrors(m.error, EDIT_FIELDS);
  return (
    <FormModal
      opened={procedure !== null}
      onClose={close}
      title={`Edit procedure: ${procedure?.title ?? ''}`}
      onSubmit={() => procedure && m.mutate(procedure)}
      submitLabel="Save procedure"
      pending={m.isPending}
    >
      {isConflict(m.error) ? (
        <WriteError
          error={m.error}
          noun="procedure"
          onReload={() => {
            close();
            done();
          }}
        />
      ) : (
        <FormAlert message={errs.form} title="Could not save the procedure" />
      )}
      <Select
        label="Status"
        data={STATUS_OPTIONS}
        allowDeselect={false}
        value={status}
        onChange={(v) => v && setStatus(v as ProcedureStatus)}
        error={errs.fields.status}
      />
      <Select
        label="Assigned to"
        clearable
        searchable
        placeholder="Nobody yet"
        data={withCurrentOption(members.options, assignee, `User #${assignee}`)}
        value={assignee || null}
        onChange={(v) => setAssignee(v ?? '')}
        error={errs.fields.assigned_to}
      />
      <Textarea
        label="Conclusion"
        description="What the work found; needed before sign-off"
        autosize
        minRows={3}
        maxLength={10000}
        value={conclusion}
        onChange={(e) => setConclusion(e.currentTarget.value)}
        error={errs.fields.conclusion}
      />
    </FormModal>
  );
}

function SignOffModal({
  engagement,
  procedure,
  onClose,
}: {
  engagement: Engagement;
  procedure: Procedure | null;
  onClose: () => void;
}) {
  const done = useAuditWrite();
  const [comment, setComment] = useState('');
  const m = useMutation({
    mutationFn: (p: Procedure) =>
      api<Procedure>(`/engagements/${engagement.id}/procedures/${p.id}/sign-off`, {
        method: 'POST',
        body: comment.trim() ? { comment } : {},
      }),
    onSuccess: () => {
      done();
      close();
    },
  });
  const close = () => {
    setComment('');
    m.reset();
    onClose();
  };
  const errs = mapApiErrors(m.error, ['comment']);
  return (
    <FormModal
      opened={procedure !== null}
      onClose={close}
      title={`Sign off procedure: ${procedure?.title ?? ''}`}
      onSubmit={() => procedure && m.mutate(procedure)}
      submitLabel="Sign off"
      pending={m.isPending}
    >
      <Text size="sm">Signing off accepts the procedure and its conclusion; it is closed to edits afterwards.</Text>
      {procedure?.conclusion && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          <b>Conclusion:</b> {procedure.conclusion}
        </Text>
      )}
      <FormAlert message={errs.form} title="Could not sign off" />
      <Textarea
        label="Comment"
        description="Optional"
        autosize
        minRows={2}
        maxLength={1000}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        error={errs.fields.comment}
      />
    </FormModal>
  );
}

export function Procedures({ engagement, editable }: { engagement: Engagement; editable: boolean }) {
  const { status } = useAuth();
  const members = useMembers();
  const [editing, setEditing] = useState<Procedure | null>(null);
  const [signing, setSigning] = useState<Procedure | null>(null);
  const procedures = engagement.procedures ?? [];
  const closed = workClosedReason(engagement);
  const userId = status?.user?.id;
  // A closed engagement's work papers take no changes: no actions, one notice below.
  const actions = editable && !closed;

  return (
    <Section id="procedures-title" title="Procedures">
      <Text size="sm" c="dimmed" mb="xs">
        {engagement.procedures_signed_off} of {engagement.procedures_total} signed off
      </Text>
      {procedures.length ? (
        <ScrollTable
          label="Procedures table"
          minWidth={760}
          columns={[
            'Procedure',
            'Assigned to',
            'Status',
            'Conclusion',
            'Sign-off',
            actions && <VisuallyHidden>Actions</VisuallyHidden>,
          ]}
        >
          {procedures.map((p) => {
            const signOff = signOffState(p, userId, closed);
            return (
              <Table.Tr key={p.id}>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  <Text fw={600} size="sm">
                    {p.title}
                  </Text>
                  {p.description && (
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'pre-wrap' }}>
                      {p.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{members.name(p.assigned_to)}</Table.Td>
                <Table.Td>{procedureStatusLabel(p.status)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{p.conclusion || '—'}</Table.Td>
                <Table.Td>
                  {signOff.signed ? (
                    <>
                      Signed off by {members.name(p.signed_off_by)}
                      <Text size="xs" c="dimmed">
                        {when(p.signed_off_at)}
                      </Text>
                    </>
                  ) : (
                    'Not signed off'
                  )}
                </Table.Td>
                {actions && (
                  <Table.Td>
                    {/* A signed-off procedure is closed to edits: the Sign-off column says so. */}
                    {!signOff.signed && (
                      <Group gap="xs" align="flex-start" wrap="nowrap">
                        <Button
                          size="compact-sm"
                          variant="default"
                          aria-label={`Edit procedure ${p.title}`}
                          onClick={() => setEditing(p)}
                        >
                          Edit
                        </Button>
                        <ReasonedButton
                          size="compact-sm"
                          blocked={signOff.blocked}
                          aria-label={`Sign off procedure ${p.title}`}
                          onClick={() => setSigning(p)}
                        >
                          Sign off
                        </ReasonedButton>
                      </Group>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </ScrollTable>
      ) : (
        <Text c="dimmed">No procedures yet.</Text>
      )}
      {editable &&
        (closed ? (
          <Text size="sm" mt="sm">
            {closed}
          </Text>
        ) : (
          <AddProcedureForm engagement={engagement} />
        ))}
      {actions && (
        <>
          <EditProcedureModal engagement={engagement} procedure={editing} onClose={() => setEditing(null)} />
          <SignOffModal engagement={engagement} procedure={signing} onClose={() => setSigning(null)} />
        </>
      )}
    </Section>
  );
}
