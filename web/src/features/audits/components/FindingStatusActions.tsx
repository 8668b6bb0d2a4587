// A finding's status moves (Approve, Close, Reopen), each in a dialog asking for the
// comment it needs.
import { Button, Group, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { useAuditWrite } from '../hooks';
import { findingStatusActions, type StatusAction } from '../rules';
import type { Finding } from '../types';
import { WriteError } from './WriteError';

export function FindingStatusActions({ finding }: { finding: Finding }) {
  const done = useAuditWrite();
  const [action, setAction] = useState<StatusAction | null>(null);
  const [comment, setComment] = useState('');
  const m = useMutation({
    mutationFn: (a: StatusAction) =>
      api<Finding>(`/findings/${finding.id}/status`, {
        method: 'PUT',
        body: comment.trim() ? { status: a.to, comment } : { status: a.to },
        headers: { 'If-Match': ifMatch(finding.version) },
      }),
    onSuccess: () => {
      done();
      close();
    },
  });
  const close = () => {
    setAction(null);
    setComment('');
    m.reset();
  };
  const errs = mapApiErrors(m.error, ['comment']);
  return (
    <>
      <Group gap="xs">
        {findingStatusActions(finding.status).map((a) => (
          <Button
            key={a.to}
            variant={a.to === 'Open' ? 'default' : 'filled'}
            onClick={() => {
              m.reset();
              setAction(a);
            }}
          >
            {a.label}
          </Button>
        ))}
      </Group>
      <FormModal
        opened={action !== null}
        onClose={close}
        title={`${action?.label ?? ''} finding #${finding.id}`}
        onSubmit={() => action && m.mutate(action)}
        submitLabel={`${action?.label ?? 'Save'} finding`}
        pending={m.isPending}
      >
        <Text size="sm">
          {`The finding moves from ${finding.status} to ${action?.to ?? ''}. The comment is kept in its history.`}
        </Text>
        {isConflict(m.error) ? (
          <WriteError
            error={m.error}
            noun="finding"
            onReload={() => {
              close();
              done();
            }}
          />
        ) : (
          <FormAlert message={errs.form} title="Could not change the status" />
        )}
        <Textarea
          label={action?.commentLabel ?? 'Comment'}
          description={action?.commentDescription}
          required={action?.commentRequired}
          autosize
          minRows={3}
          maxLength={1000}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={errs.fields.comment}
        />
      </FormModal>
    </>
  );
}
