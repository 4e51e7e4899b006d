import { List, Text } from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';

export interface PasswordPolicyView {
  minLength: number;
  requireLower: boolean;
  requireUpper: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
  forbidPersonalInfo?: boolean;
}

/**
 * The tenant's password rules as a checklist for `password`, checked the way the server checks
 * them; `personal` are the name parts and login the password may not contain (3+ letters each).
 */
export function passwordHints(policy: PasswordPolicyView | undefined, password: string, personal: string[]) {
  if (!policy) return [];
  const containsPersonal = personal
    .filter((x) => x.trim().length >= 3)
    .some((x) => password.toLowerCase().includes(x.trim().toLowerCase()));
  return [
    { ok: [...password].length >= policy.minLength, text: `At least ${policy.minLength} characters` },
    ...(policy.requireLower ? [{ ok: /\p{Ll}/u.test(password), text: 'A lower-case letter' }] : []),
    ...(policy.requireUpper ? [{ ok: /\p{Lu}/u.test(password), text: 'An upper-case letter' }] : []),
    ...(policy.requireDigit ? [{ ok: /\p{Nd}/u.test(password), text: 'A digit' }] : []),
    ...(policy.requireSymbol
      ? [{ ok: /[^\p{L}\p{Nd}\s]/u.test(password), text: 'A special character' }]
      : []),
    ...(policy.forbidPersonalInfo
      ? [{ ok: password.length > 0 && !containsPersonal, text: 'Not your name or email' }]
      : []),
  ];
}

export function PasswordHintList({ hints }: { hints: Array<{ ok: boolean; text: string }> }) {
  return (
    <List spacing={2} size="sm" center data-testid="password-hints">
      {hints.map((h) => (
        <List.Item
          key={h.text}
          icon={h.ok ? <IconCheck size={14} color="teal" /> : <IconX size={14} color="gray" />}
        >
          <Text size="sm" c={h.ok ? 'teal' : 'dimmed'}>
            {h.text}
          </Text>
        </List.Item>
      ))}
    </List>
  );
}
