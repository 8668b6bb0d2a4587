// The engagement's five phases, where it stands, and the moves it allows: the next phase
// forward, any earlier one with a comment (asked for in a dialog).
import { Box, SimpleGrid, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { Section } from '../../../components/Section';
import { useAuditWrite } from '../hooks';
import { phaseSteps, type PhaseStep } from '../rules';
import type { Engagement, Phase } from '../types';
import { ReasonedButton } from './ReasonedButton';
import { WriteError } from './WriteError';

const POSITION_TEXT: Record<PhaseStep['position'], string> = {
  done: 'Done',
  current: 'Current phase',
  ahead: 'Not started',
};

export function PhaseStepper({ engagement, editable }: { engagement: Engagement; editable: boolean }) {
  const done = useAuditWrite();
  const [back, setBack] = useState<Phase | null>(null);
  const [comment, setComment] = useState('');
  const move = useMutation({
    mutationFn: (v: { phase: Phase; comment?: string }) =>
      api<Engagement>(`/engagements/${engagement.id}/phase`, {
        method: 'PUT',
        body: v.comment === undefined ? { phase: v.phase } : v,
        headers: { 'If-Match': ifMatch(engagement.version) },
      }),
    onSuccess: () => {
      closeBack();
      done();
    },
  });
  const closeBack = () => {
    setBack(null);
    setComment('');
    move.reset();
  };
  const steps = phaseSteps(engagement);
  // Errors of the dialog show in it; those of a forward move below the steps.
  const errs = mapApiErrors(move.error, ['comment']);

  return (
    <Section id="phase-title" title="Phase">
      <SimpleGrid cols={{ base: 1, sm: 5 }} component="ol" spacing="xs" p={0} m={0} style={{ listStyle: 'none' }}>
        {steps.map((s, i) => (
          <Box
            component="li"
            key={s.phase}
            aria-current={s.position === 'current' ? 'step' : undefined}
            p="xs"
            style={{
              borderRadius: 'var(--mantine-radius-sm)',
              border:
                s.position === 'current'
                  ? '2px solid var(--mantine-color-indigo-9)'
                  : '1px solid var(--mantine-color-gray-4)',
              background: s.position === 'current' ? 'var(--mantine-color-indigo-0)' : undefined,
            }}
          >
            <Text fw={700}>
              {i + 1}. {s.phase}
            </Text>
            <Text size="sm" mb={s.move ? 'xs' : 0}>
              {POSITION_TEXT[s.position]}
            </Text>
            {editable && s.move && (
              <ReasonedButton
                size="xs"
                variant={s.move === 'forward' ? 'filled' : 'default'}
                blocked={s.blocked}
                loading={move.isPending && move.variables?.phase === s.phase && !back}
                onClick={() => {
                  if (s.move === 'back') {
                    move.reset();
                    setBack(s.phase);
                  } else {
                    move.mutate({ phase: s.phase });
                  }
                }}
              >
                {s.move === 'forward' ? `Move to ${s.phase}` : `Move back to ${s.phase}`}
              </ReasonedButton>
            )}
          </Box>
        ))}
      </SimpleGrid>
      {engagement.status === 'Cancelled' && (
        <Text size="sm" mt="xs">
          The engagement is cancelled: its phase cannot change until it is reinstated.
        </Text>
      )}
      {!back && (
        <Box mt="xs">
          <WriteError
            error={move.error}
            noun="engagement"
            title="Could not change the phase"
            onReload={() => {
              move.reset();
              done();
            }}
          />
        </Box>
      )}
      <FormModal
        opened={back !== null}
        onClose={closeBack}
        title={`Move back to ${back ?? ''}`}
        onSubmit={() => back && move.mutate({ phase: back, comment })}
        submitLabel="Move back"
        pending={move.isPending}
      >
        <Text size="sm">
          {`The engagement goes back from ${engagement.phase} to ${back ?? ''}. Say why: the comment is kept in its history.`}
        </Text>
        {isConflict(move.error) ? (
          <WriteError
            error={move.error}
            noun="engagement"
            onReload={() => {
              closeBack();
              done();
            }}
          />
        ) : (
          <FormAlert message={errs.form} title="Could not change the phase" />
        )}
        <Textarea
          label="Why the engagement moves back"
          required
          autosize
          minRows={3}
          maxLength={1000}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          error={errs.fields.comment}
          data-autofocus
        />
      </FormModal>
    </Section>
  );
}
