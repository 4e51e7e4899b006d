import { Anchor, Button, Group, PinInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useCompleteMfa, usePasskeySignIn, useSendEmailCode } from '../../api/hooks.ts';
import { ErrorAlert } from '../../ui/index.tsx';

/** The second step of a sign-in: a code from the authenticator app, a recovery code, or an emailed code. */
export function MfaStep({
  mfaToken,
  methods,
  firstName,
  onDone,
  onCancel,
}: {
  mfaToken: string;
  methods: string[];
  firstName: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const complete = useCompleteMfa();
  const sendEmail = useSendEmailCode();
  const passkey = usePasskeySignIn();
  const options = [
    ...(methods.includes('totp') ? [{ value: 'totp', label: 'App' }] : []),
    ...(methods.includes('email') ? [{ value: 'email', label: 'Email' }] : []),
    { value: 'recovery_code', label: 'Recovery code' },
  ];
  const [method, setMethod] = useState(options[0]!.value);
  const [code, setCode] = useState('');
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    complete.mutate({ mfaToken, method, code: code.trim() }, { onSuccess: onDone });
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text fw={600}>Hi {firstName}, one more step</Text>
        <SegmentedControl
          fullWidth
          data={options}
          value={method}
          onChange={(v) => {
            setMethod(v);
            setCode('');
            complete.reset();
          }}
        />
        {method === 'recovery_code' ? (
          <TextInput
            label="Recovery code"
            placeholder="xxxxx-xxxxx"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            autoFocus
            name="recovery-code"
          />
        ) : (
          <Stack gap={6}>
            <Text size="sm" c="dimmed">
              {method === 'totp'
                ? 'Enter the 6-digit code from your authenticator app.'
                : 'We email a 6-digit code to your address.'}
            </Text>
            <Group justify="center">
              <PinInput
                length={6}
                type="number"
                oneTimeCode
                value={code}
                onChange={setCode}
                onComplete={(value) =>
                  complete.mutate({ mfaToken, method, code: value }, { onSuccess: onDone })
                }
                autoFocus
                aria-label="Verification code"
              />
            </Group>
            {method === 'email' ? (
              <Button
                variant="subtle"
                size="xs"
                loading={sendEmail.isPending}
                onClick={() => sendEmail.mutate(mfaToken)}
              >
                {sendEmail.isSuccess ? 'Code sent — send another' : 'Email me a code'}
              </Button>
            ) : null}
          </Stack>
        )}
        {methods.includes('passkey') ? (
          <Button
            variant="light"
            loading={passkey.isPending}
            onClick={() => passkey.mutate({ mfaToken }, { onSuccess: onDone })}
          >
            Use a passkey instead
          </Button>
        ) : null}
        <ErrorAlert error={complete.error ?? sendEmail.error ?? passkey.error} />
        <Button type="submit" loading={complete.isPending} disabled={code.trim().length < 6} fullWidth>
          Verify
        </Button>
        <Anchor component="button" type="button" size="sm" c="dimmed" onClick={onCancel}>
          Use another account
        </Anchor>
      </Stack>
    </form>
  );
}
