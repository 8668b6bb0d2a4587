import { Button, Stack, Text, type ButtonProps } from '@mantine/core';
import { useId } from 'react';

/**
 * A button that, when the action is not possible, stays focusable but inert and shows
 * why (`blocked`) beside it; the reason is also its description for screen readers,
 * which a plain disabled button would hide from keyboard users.
 */
export function ReasonedButton({
  blocked,
  onClick,
  children,
  ...props
}: ButtonProps & { blocked: string | null; onClick: () => void; children: string; 'aria-label'?: string }) {
  const reasonId = useId();
  return (
    <Stack gap={4} align="flex-start">
      <Button
        {...props}
        data-disabled={blocked ? true : undefined}
        aria-disabled={blocked ? true : undefined}
        aria-describedby={blocked ? reasonId : undefined}
        onClick={(e) => {
          if (blocked) {
            e.preventDefault();
            return;
          }
          onClick();
        }}
      >
        {children}
      </Button>
      {blocked && (
        <Text id={reasonId} size="xs" c="dimmed" maw={260}>
          {blocked}
        </Text>
      )}
    </Stack>
  );
}
