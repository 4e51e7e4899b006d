import {
  Alert,
  Box,
  Button,
  Center,
  Code,
  Image,
  Paper,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useChangePassword, useConfirmTotp, useStartTotp } from '../../api/hooks.ts';
import { ErrorAlert } from '../../ui/index.tsx';

function Frame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  return (
    <Box style={{ minHeight: '100vh', background: 'linear-gradient(160deg, #eef2ff 0%, #f8f9fa 55%)' }}>
      <Center style={{ minHeight: '100vh' }}>
        <Stack w={460} gap="lg">
          <Stack gap={4} align="center">
            <Title order={2}>{title}</Title>
            <Text c="dimmed" size="sm" ta="center">
              {subtitle}
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" p="xl" radius="lg">
            {children}
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}

/** A session that may only change its password (it expired, or an admin asked for it). */
export function ForcedPasswordChange() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again.length > 0 && next !== again;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!mismatch) change.mutate({ currentPassword: current, newPassword: next });
  };
  return (
    <Frame
      title="Choose a new password"
      subtitle="Your password has expired or an administrator asked you to change it."
    >
      <form onSubmit={submit}>
        <Stack>
          <PasswordInput
            label="Current password"
            name="current-password"
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            required
          />
          <PasswordInput
            label="New password"
            name="new-password"
            description="At least 16 characters with upper and lower case, a digit and a symbol"
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            required
          />
          <PasswordInput
            label="New password again"
            name="new-password-again"
            value={again}
            onChange={(e) => setAgain(e.currentTarget.value)}
            error={mismatch ? 'The two do not match' : undefined}
            required
          />
          <ErrorAlert error={change.error} />
          <Button type="submit" loading={change.isPending} fullWidth>
            Change password
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}

/** TOTP enrolment: QR code, secret for manual entry, a code to confirm; recovery codes shown once. */
export function TotpEnrolment({ onDone }: { onDone?: () => void }) {
  const start = useStartTotp();
  const confirm = useConfirmTotp();
  const [code, setCode] = useState('');
  if (confirm.data) {
    const codes = confirm.data.recoveryCodes;
    return (
      <Stack>
        <Alert color="teal" variant="light" title="Authenticator app added">
          Sign-ins now ask for a code from it.
        </Alert>
        {codes ? (
          <>
            <Text size="sm">
              Keep these recovery codes somewhere safe. Each works once if you lose your phone; they are shown
              only now.
            </Text>
            <SimpleGrid cols={2} data-testid="recovery-codes">
              {codes.map((c) => (
                <Code key={c} ta="center">
                  {c}
                </Code>
              ))}
            </SimpleGrid>
          </>
        ) : null}
        {onDone ? <Button onClick={onDone}>Continue</Button> : null}
      </Stack>
    );
  }
  if (!start.data) {
    return (
      <Stack>
        <Text size="sm">Use an authenticator app such as Microsoft or Google Authenticator.</Text>
        <ErrorAlert error={start.error} />
        <Button onClick={() => start.mutate()} loading={start.isPending}>
          Set up authenticator app
        </Button>
      </Stack>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        confirm.mutate({ factorId: start.data.factorId, code: code.trim() });
      }}
    >
      <Stack>
        <Text size="sm">
          Scan the code with your authenticator app, then enter the 6-digit code it shows.
        </Text>
        <Center>
          <Image src={start.data.qrCode} w={200} h={200} alt="QR code for the authenticator app" />
        </Center>
        <Text size="xs" c="dimmed" ta="center">
          Can’t scan? Enter this key: <Code data-testid="totp-secret">{start.data.secret}</Code>
        </Text>
        <TextInput
          label="Code from the app"
          name="totp-code"
          inputMode="numeric"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          required
        />
        <ErrorAlert error={confirm.error} />
        <Button type="submit" loading={confirm.isPending}>
          Confirm
        </Button>
      </Stack>
    </form>
  );
}

/** A session that may only enrol a second factor: the organization requires one. */
export function ForcedEnrolment({ onDone }: { onDone: () => void }) {
  return (
    <Frame
      title="Protect your account"
      subtitle="Your organization requires a second factor. Set one up to continue."
    >
      <TotpEnrolment onDone={onDone} />
    </Frame>
  );
}
