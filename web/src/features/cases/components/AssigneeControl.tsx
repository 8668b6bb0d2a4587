// Changing who investigates a case: a picker of the members who may (admins and
// investigators), and taking the case back while it is new or assigned.
import { Button, Group, Select, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useInvalidate } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { CASE_QUERIES, useInvestigators } from '../hooks';
import { mayUnassign } from '../rules';
import type { Case } from '../types';
import { WriteError } from './WriteError';

export function AssigneeControl({ c }: { c: Case }) {
  const done = useInvalidate(CASE_QUERIES);
  const investigators = useInvestigators();
  const [opened, setOpened] = useState(false);
  const [assignee, setAssignee] = useState('');
  const [missing, setMissing] = useState(false);
  const m = useMutation({
    mutationFn: (assigneeId: number | null) =>
      api<Case>(`/cases/${c.id}/assignee`, {
        method: 'PUT',
        body: { assignee_id: assigneeId },
        headers: { 'If-Match': ifMatch(c.version) },
      }),
    onSuccess: () => {
      done();
      close();
    },
  });
  const open = () => {
    m.reset();
    setMissing(false);
    setAssignee(c.assignee_id ? String(c.assignee_id) : '');
    setOpened(true);
  };
  const close = () => {
    setOpened(false);
    setMissing(false);
    m.reset();
  };
  const errs = mapApiErrors(m.error, ['assignee_id']);
  const current = c.assignee_name ?? (c.assignee_id ? investigators.name(c.assignee_id) : 'nobody');

  return (
    <>
      <Button size="xs" variant="default" onClick={open}>
        Change assignee
      </Button>
      <FormModal
        opened={opened}
        onClose={close}
        title={`Assignee of case #${c.id}`}
        onSubmit={() => {
          if (!assignee) {
            setMissing(true);
            return;
          }
          m.mutate(Number(assignee));
        }}
        submitLabel="Save assignee"
        pending={m.isPending && m.variables !== null}
      >
        <Text size="sm">{`Currently ${current}. Only admins and investigators may investigate a case.`}</Text>
        {isConflict(m.error) ? (
          <WriteError error={m.error} onReload={close} />
        ) : (
          <FormAlert message={errs.form} title="Could not change the assignee" />
        )}
        <Select
          label="Assignee"
          required
          searchable
          data={withCurrentOption(investigators.options, assignee, current)}
          value={assignee || null}
          onChange={(v) => {
            setAssignee(v ?? '');
            setMissing(false);
          }}
          error={missing ? 'Choose who investigates the case' : errs.fields.assignee_id}
        />
        {mayUnassign(c) && (
          <Group>
            <Button
              variant="subtle"
              color="red.9"
              loading={m.isPending && m.variables === null}
              onClick={() => m.mutate(null)}
            >
              Unassign (back to New)
            </Button>
          </Group>
        )}
      </FormModal>
    </>
  );
}
