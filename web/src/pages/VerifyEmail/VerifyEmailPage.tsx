import { Box, Button, Center, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconMailCheck, IconMailX } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { ApiError, post } from '../../api/client.ts';

/** Where the link in an address-confirmation email lands: it confirms at once and says so plainly. */
export function VerifyEmailPage() {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const navigate = useNavigate();
  // opening the link is the confirmation. As a query it is sent once per page load, however often the
  // route renders or remounts: a second request would only be told the link was already used.
  const confirm = useQuery({
    queryKey: ['verify-email', token],
    queryFn: () => post<{ email: string }>('/api/v1/email-verification/confirm', { token }),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
  const failed = confirm.error instanceof ApiError ? confirm.error : null;
  return (
    <Box style={{ minHeight: '100vh', background: 'linear-gradient(160deg, #eef2ff 0%, #f8f9fa 55%)' }}>
      <Center style={{ minHeight: '100vh' }}>
        <Paper withBorder shadow="sm" p="xl" radius="lg" w={460}>
          <Stack align="center" ta="center">
            {confirm.data ? (
              <>
                <ThemeIcon size={56} radius={56} color="teal" variant="light">
                  <IconMailCheck size={30} />
                </ThemeIcon>
                <Title order={3}>Email address confirmed</Title>
                <Text>
                  <b>{confirm.data.email}</b> is confirmed as yours. Nothing else to do.
                </Text>
              </>
            ) : failed || confirm.isError ? (
              <>
                <ThemeIcon size={56} radius={56} color="orange" variant="light">
                  <IconMailX size={30} />
                </ThemeIcon>
                <Title order={3}>This link cannot confirm your address</Title>
                <Text data-testid="verify-error">{failed?.message ?? 'The link is not valid.'}</Text>
              </>
            ) : (
              <Text c="dimmed">Confirming your address…</Text>
            )}
            <Button variant="default" onClick={() => void navigate({ to: '/' })}>
              Go to Rollcall
            </Button>
          </Stack>
        </Paper>
      </Center>
    </Box>
  );
}
