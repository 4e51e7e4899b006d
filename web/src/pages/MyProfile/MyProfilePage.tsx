import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { useOwnProfile, useSendOwnVerification } from '../../api/hooks.ts';
import { notifyDone, PageHeader } from '../../ui/index.tsx';
import { NotificationsStep, PhotoStep, ProfileStep } from '../Setup/SetupWizard.tsx';

/** A person's own profile: name, phone, language, time zone, photo, notifications, address confirmation. */
export function MyProfilePage() {
  const profile = useOwnProfile();
  const send = useSendOwnVerification();
  if (!profile.data) return null;
  const p = profile.data;
  return (
    <>
      <PageHeader
        title="My profile"
        description="How colleagues see you and what Rollcall tells you about."
      />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Stack gap="lg">
          <Paper withBorder radius="lg" p="lg">
            <Text fw={600}>Profile</Text>
            <Group gap="xs" mt={4}>
              <Text size="sm" c="dimmed">
                {p.email ?? p.username}
              </Text>
              {p.email ? (
                p.emailVerified ? (
                  <Badge color="teal" variant="light" size="sm">
                    Confirmed
                  </Badge>
                ) : (
                  <>
                    <Badge color="orange" variant="light" size="sm">
                      Not confirmed
                    </Badge>
                    <Anchor
                      component="button"
                      type="button"
                      size="sm"
                      onClick={() =>
                        send.mutate(undefined, { onSuccess: () => notifyDone('Link sent: check your inbox') })
                      }
                    >
                      Send me a confirmation link
                    </Anchor>
                  </>
                )
              ) : null}
            </Group>
            <ProfileStep profile={p} onNext={() => notifyDone('Profile saved')} nextLabel="Save profile" />
          </Paper>
        </Stack>
        <Stack gap="lg">
          <Paper withBorder radius="lg" p="lg">
            <Text fw={600}>Photo</Text>
            <PhotoStep profile={p} />
          </Paper>
          <Paper withBorder radius="lg" p="lg">
            <Text fw={600}>Notifications</Text>
            <NotificationsStep
              profile={p}
              onNext={() => notifyDone('Notification preferences saved')}
              nextLabel="Save preferences"
            />
          </Paper>
        </Stack>
      </SimpleGrid>
    </>
  );
}
