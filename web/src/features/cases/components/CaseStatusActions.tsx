// A case's status moves, each a button opening a dialog that asks for what the move
// needs: an assignee when the case has none, a resolution and a closing note to
// complete, a comment to move back or reopen.
import { Button, Group, Select, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useInvalidate } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { CASE_QUERIES, useInvestigators } from '../hooks';
import {
  labelled,
  moveBody,
  moveErrors,
  resolutionLabel,
  statusLabel,
  statusMoves,
  type MoveInput,
  type StatusMove,
} from '../rules';
import { RESOLUTIONS, type Case } from '../types';
import { WriteError } from './WriteError';

const EMPTY_INPUT: MoveInput = { assignee_id: '', resolution: '', comment: '' };

export function CaseStatusActions({ c }: { c: Case }) {
  const done = useInvalidate(CASE_QUERIES);
  const investigators = useInvestigators();
  const [action, setAction] = useState<StatusMove | null>(null);
  const [input, setInput] = useState<MoveInput>(EMPTY_INPUT);
  const [checked, setChecked] = useState<Record<string, string>>({});

  const m = useMutation({
    mutationFn: async ({ move, values }: { move: StatusMove; values: MoveInput }) => {
      let version = c.version;
      if (move.needsAssignee) {
        // Assigning a new case moves it to assigned by itself; a further move follows
        // on the version the assignment left.
        const r = await api<Case>(`/cases/${c.id}/assignee`, {
          method: 'PUT',
          body: { assignee_id: Number(values.assignee_id) },
          headers: { 'If-Match': ifMatch(c.version) },
        });
        if (move.to === 'assigned') return r.data;
        version = r.data.version;
      }
      return (
        await api<Case>(`/cases/${c.id}/status`, {
          method: 'PUT',
          body: moveBody(move, values),
          headers: { 'If-Match': ifMatch(version) },
        })
      ).data;
    },
    onSuccess: () => {
      done();
      close();
    },
    // A half-done move (assigned, then refused) still changed the case: show it.
    onError: () => done(),
  });

  const open = (a: StatusMove) => {
    m.reset();
    setChecked({});
    setInput({ ...EMPTY_INPUT, assignee_id: c.assignee_id ? String(c.assignee_id) : '' });
    setAction(a);
  };
  const close = () => {
    setAction(null);
    setInput(EMPTY_INPUT);
    setChecked({});
    m.reset();
  };
  const submit = () => {
    if (!action) return;
    const errs = moveErrors(action, input);
    setChecked(errs);
    if (Object.keys(errs).length === 0) m.mutate({ move: action, values: input });
  };
  const set = (k: keyof MoveInput, v: string) => setInput((s) => ({ ...s, [k]: v }));
  const server = mapApiErrors(m.error, ['assignee_id', 'resolution', 'comment', 'status']);
  const fieldError = (k: string) => checked[k] ?? server.fields[k];
  const moves = statusMoves(c);

  return (
    <>
      <Group gap="xs">
        {moves.map((a) => (
          <Button key={`${a.to}-${a.label}`} variant={a.back ? 'default' : 'filled'} onClick={() => open(a)}>
            {a.label}
          </Button>
        ))}
      </Group>
      <FormModal
        opened={action !== null}
        onClose={close}
        title={`${action?.label ?? ''}: case #${c.id}`}
        onSubmit={submit}
        submitLabel={action?.label ?? 'Save'}
        pending={m.isPending}
      >
        <Text size="sm">
          {`The case moves from ${statusLabel(c.status)} to ${statusLabel(action?.to ?? '')}.`}
          {action?.needsComment ? ' The comment is kept in its history.' : ''}
        </Text>
        {isConflict(m.error) ? (
          <WriteError error={m.error} onReload={close} />
        ) : (
          <FormAlert
            message={server.fields.status ? `status: ${server.fields.status}` : server.form}
            title="Could not change the status"
          />
        )}
        {action?.needsAssignee && (
          <Select
            label="Assignee"
            description="Who investigates: an admin or an investigator"
            required
            searchable
            data={withCurrentOption(investigators.options, input.assignee_id, `User #${input.assignee_id}`)}
            value={input.assignee_id || null}
            onChange={(v) => set('assignee_id', v ?? '')}
            error={fieldError('assignee_id')}
          />
        )}
        {action?.needsResolution && (
          <Select
            label="Resolution"
            description="What the investigation found"
            required
            data={labelled(RESOLUTIONS, resolutionLabel)}
            value={input.resolution || null}
            onChange={(v) => set('resolution', v ?? '')}
            error={fieldError('resolution')}
          />
        )}
        <Textarea
          label={action?.commentLabel ?? 'Comment'}
          description={action?.commentDescription}
          required={action?.needsComment}
          autosize
          minRows={3}
          maxLength={1000}
          value={input.comment}
          onChange={(e) => set('comment', e.currentTarget.value)}
          error={fieldError('comment')}
        />
      </FormModal>
    </>
  );
}
