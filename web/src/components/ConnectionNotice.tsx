import { Box, Group, Loader, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { isOnline, onConnectionChange, setOnline } from '../lib/connection';

/** How often the notice asks whether the server is back. */
export const RECONNECT_EVERY_MS = 2000;

/**
 * A notice shown while the server cannot be reached (a database restart, a network
 * blip). It checks /readyz until the server answers, then refreshes what is on screen.
 * The user stays signed in throughout.
 */
export function ConnectionNotice() {
  const qc = useQueryClient();
  const [online, setState] = useState(isOnline());

  useEffect(() => onConnectionChange(setState), []);

  useEffect(() => {
    if (online) return;
    let stopped = false;
    const timer = window.setInterval(async () => {
      try {
        const res = await fetch('/readyz', { credentials: 'same-origin' });
        if (!stopped && res.ok) {
          setOnline(true);
          void qc.invalidateQueries();
        }
      } catch {
        // still unreachable: try again at the next tick
      }
    }, RECONNECT_EVERY_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [online, qc]);

  if (online) return null;
  return (
    <Box
      role="status"
      bg="yellow.1"
      px="md"
      py="xs"
      data-testid="reconnecting"
      style={{ borderBottom: '1px solid var(--mantine-color-yellow-6)' }}
    >
      <Group gap="sm" wrap="nowrap">
        <Loader size="xs" color="yellow.9" />
        <Text size="sm" fw={600}>
          Reconnecting to the server…
        </Text>
        <Text size="sm">You are still signed in; the page will refresh when the server is back.</Text>
      </Group>
    </Box>
  );
}
