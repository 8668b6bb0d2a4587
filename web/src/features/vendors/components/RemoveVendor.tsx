// Removing a vendor, after a confirmation: it leaves the lists and the dashboard, its
// name becomes free again, and its history stays readable.
import { Button, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ifMatch } from '../../../lib/api';
import { useInvalidate } from '../../../lib/hooks';
import { FormModal } from '../../../components/FormModal';
import { LIMITS } from '../forms';
import { VENDOR_QUERIES } from '../hooks';
import type { Vendor } from '../types';
import { WriteError } from './WriteError';

export function RemoveVendor({ vendor }: { vendor: Vendor }) {
  const done = useInvalidate(VENDOR_QUERIES);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const [reason, setReason] = useState('');
  const m = useMutation({
    mutationFn: () =>
      api(`/vendors/${vendor.id}`, {
        method: 'DELETE',
        body: reason.trim() ? { reason: reason.trim() } : undefined,
        headers: { 'If-Match': ifMatch(vendor.version) },
      }),
    onSuccess: () => {
      qc.removeQueries({ queryKey: ['vendors', 'one', String(vendor.id)] });
      done();
      navigate('/vendors');
    },
  });
  const close = () => {
    setOpened(false);
    m.reset();
  };

  return (
    <>
      <Button
        color="red.9"
        variant="outline"
        onClick={() => {
          setReason('');
          setOpened(true);
        }}
      >
        Remove
      </Button>
      <FormModal
        opened={opened}
        onClose={close}
        title={`Remove ${vendor.name}?`}
        onSubmit={() => m.mutate()}
        submitLabel="Remove vendor"
        pending={m.isPending}
      >
        <Text size="sm">
          {`“${vendor.name}” will leave the vendor list and the dashboard, and its name can be used again. Its history stays readable.`}
        </Text>
        <WriteError
          error={m.error}
          onReload={() => {
            close();
            done();
          }}
          title="Could not remove the vendor"
        />
        <Textarea
          label="Reason (optional)"
          autosize
          minRows={2}
          maxLength={LIMITS.reason}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
      </FormModal>
    </>
  );
}
