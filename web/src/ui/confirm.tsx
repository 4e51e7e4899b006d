import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { type ReactNode, useEffect, useState } from 'react';
import { ErrorAlert } from './index.tsx';

/**
 * The console's one confirmation for changes that hurt: a Mantine dialog (never the browser's
 * `confirm`, which a page cannot style, name or test), saying what will happen. With `typeToConfirm`
 * the button stays disabled until that text is typed, for changes nobody can take back.
 */
export function ConfirmDialog({
  opened,
  title,
  children,
  confirmLabel,
  color = 'red',
  loading,
  error,
  typeToConfirm,
  onConfirm,
  onClose,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  color?: string;
  loading?: boolean;
  error?: unknown;
  typeToConfirm?: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  // biome-ignore lint/correctness/useExhaustiveDependencies: start empty each time the dialog opens
  useEffect(() => setTyped(''), [opened]);
  const matches = !typeToConfirm || sameText(typed, typeToConfirm);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      centered
      title={<Text fw={600}>{title}</Text>}
      data-testid="confirm-dialog"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) onConfirm();
        }}
      >
        <Stack>
          <div>{children}</div>
          {typeToConfirm ? <TypeToConfirm text={typeToConfirm} value={typed} onChange={setTyped} /> : null}
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color={color} loading={loading} disabled={!matches}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** "Type Carol White to confirm": for a change nobody can take back. */
export function TypeToConfirm({
  text,
  value,
  onChange,
}: {
  text: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <TextInput
      label={
        <>
          Type <b>{text}</b> to confirm
        </>
      }
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      name="confirm-text"
      autoComplete="off"
      error={value && !sameText(value, text) ? `Type the name exactly: ${text}` : undefined}
    />
  );
}

/** Typed names compare without regard to case or surrounding and repeated spaces. */
export const sameText = (a: string, b: string) =>
  a.trim().replace(/\s+/g, ' ').toLowerCase() === b.trim().replace(/\s+/g, ' ').toLowerCase();
