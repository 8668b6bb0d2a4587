// Changing an engagement's status: On Track, At Risk, Delayed, or Cancelled (cancelling
// and reinstating need a comment, kept in the history).
import { Select, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { useAuditWrite } from '../hooks';
import { statusNeedsComment } from '../rules';
import { ENGAGEMENT_STATUSES, type Engagement } from '../types';
import { WriteError } from './WriteError';

export function EngagementStatusModal({
  engagement,
  opened,
  onClose,
}: {
  engagement: Engagement;
  opened: boolean;
  onClose: () => void;
}) {
  const done = useAuditWrite();
  const [status, setStatus] = useState<string>(engagement.status);
  const [comment, setComment] = useState('');
  // Start from the current status each time the dialog opens.
  useEffect(() => {
    if (opened) setStatus(engagement.status);
  }, [opened, engagement.status]);
  const m = useMutation({
    mutationFn: () =>
      api<Engagement>(`/engagements/${engagement.id}`, {
        method: 'PUT',
        body: comment.trim() ? { status, comment } : { status },
        headers: { 'If-Match': ifMatch(engagement.version) },
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
  const needsComment = statusNeedsComment(engagement.status, status);
  const errs = mapApiErrors(m.error, ['status', 'comment']);
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title={`Change the status of engagement #${engagement.id}`}
      onSubmit={() => m.mutate()}
      submitLabel="Save status"
      pending={m.isPending}
    >
      <Text size="sm">
        Currently <b>{engagement.status}</b>. Cancelling an engagement, and reinstating a cancelled one, needs a
        comment.
      </Text>
      {isConflict(m.error) ? (
        <WriteError
          error={m.error}
          noun="engagement"
          onReload={() => {
            close();
            done();
          }}
        />
      ) : (
        <FormAlert message={errs.form} title="Could not change the status" />
      )}
      <Select
        label="Status"
        data={[...ENGAGEMENT_STATUSES]}
        allowDeselect={false}
        value={status}
        onChange={(v) => v && setStatus(v)}
        error={errs.fields.status}
      />
      <Textarea
        label="Comment"
        description={needsComment ? 'Required: say why.' : 'Optional.'}
        required={needsComment}
        autosize
        minRows={3}
        maxLength={1000}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        error={errs.fields.comment}
      />
    </FormModal>
  );
}
