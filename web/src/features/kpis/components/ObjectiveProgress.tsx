// An objective's progress: the share of its KPIs on target as a bar, and in words.
import { Progress, Stack, Text } from '@mantine/core';
import { objectiveProgress } from '../rules';
import type { Objective } from '../types';

export function ObjectiveProgress({
  objective,
}: {
  objective: Pick<Objective, 'name' | 'kpi_count' | 'on_target_count'>;
}) {
  const p = objectiveProgress(objective);
  return (
    <Stack gap={4} miw={160}>
      <Progress
        value={p.percent}
        color={p.percent >= 100 ? '#1e6b30' : 'indigo'}
        size="lg"
        aria-label={`${objective.name}: KPIs on target`}
      />
      <Text size="sm">{p.text}</Text>
    </Stack>
  );
}
