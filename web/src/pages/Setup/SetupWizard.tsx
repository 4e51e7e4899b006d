import {
  Alert,
  Anchor,
  Avatar,
  Box,
  Button,
  Center,
  Checkbox,
  FileButton,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconCheck, IconShieldCheck } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import {
  useCompleteSetup,
  useMe,
  useMyMfa,
  useOwnProfile,
  useUpdateOwnProfile,
  useUploadOwnAvatar,
} from '../../api/hooks.ts';
import type { NotificationPreferences, OwnProfile } from '../../api/types.ts';
import { ErrorAlert } from '../../ui/index.tsx';
import { LOCALES, timeZones } from '../../ui/zones.tsx';
import { TotpEnrolment } from '../SignIn/RestrictedScreens.tsx';

/** The first sign-in after accepting an invitation: who you are, a photo, how you sign in, what you hear about. */
export function SetupWizard() {
  const me = useMe();
  const profile = useOwnProfile();
  const finish = useCompleteSetup();
  const [step, setStep] = useState(0);
  if (!me.data || !profile.data) {
    return (
      <Center h="100vh">
        <Text c="dimmed">Loading your profile…</Text>
      </Center>
    );
  }
  const next = () => setStep((s) => s + 1);
  const back = () => setStep((s) => Math.max(0, s - 1));
  return (
    <Box style={{ minHeight: '100vh', background: 'linear-gradient(160deg, #eef2ff 0%, #f8f9fa 55%)' }}>
      <Center style={{ minHeight: '100vh' }} py="xl">
        <Stack w={780} gap="lg">
          <Stack gap={4} align="center">
            <Title order={2}>Welcome to {me.data.tenant.name}</Title>
            <Text c="dimmed" size="sm" ta="center">
              Four short steps to set up your account. You can change all of this later.
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" p="xl" radius="lg">
            <Stepper active={step} size="sm" allowNextStepsSelect={false}>
              <Stepper.Step label="Profile" description="Name and time zone">
                <ProfileStep profile={profile.data} onNext={next} />
              </Stepper.Step>
              <Stepper.Step label="Photo" description="Optional">
                <PhotoStep profile={profile.data} onBack={back} onNext={next} />
              </Stepper.Step>
              <Stepper.Step label="Sign-in" description="Second factor">
                <SecurityStep onBack={back} onNext={next} />
              </Stepper.Step>
              <Stepper.Step label="Notifications" description="What you hear about">
                <NotificationsStep
                  profile={profile.data}
                  onBack={back}
                  onNext={() => finish.mutate(false)}
                  finishing={finish.isPending}
                />
              </Stepper.Step>
            </Stepper>
            <ErrorAlert error={finish.error} />
          </Paper>
          <Text size="sm" ta="center" c="dimmed">
            <Anchor
              component="button"
              type="button"
              onClick={() => finish.mutate(true)}
              data-testid="skip-setup"
            >
              Skip for now
            </Anchor>{' '}
            — you can do this any time from My profile.
          </Text>
        </Stack>
      </Center>
    </Box>
  );
}

function StepButtons({
  onBack,
  onNext,
  nextLabel = 'Continue',
  loading,
  disabled,
}: {
  onBack?: () => void;
  onNext: () => void;
  nextLabel?: string;
  loading?: boolean;
  disabled?: boolean;
}) {
  return (
    <Group justify="space-between" mt="lg">
      {onBack ? (
        <Button variant="default" onClick={onBack}>
          Back
        </Button>
      ) : (
        <span />
      )}
      <Button onClick={onNext} loading={loading} disabled={disabled}>
        {nextLabel}
      </Button>
    </Group>
  );
}

export function ProfileStep({
  profile,
  onNext,
  nextLabel,
}: {
  profile: OwnProfile;
  onNext: () => void;
  nextLabel?: string;
}) {
  const save = useUpdateOwnProfile();
  const zones = useMemo(timeZones, []);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const mastered = (field: string) => profile.source !== null && profile.sourceAttributes.includes(field);
  const [firstName, setFirstName] = useState(profile.firstName);
  const [lastName, setLastName] = useState(profile.lastName);
  const [phone, setPhone] = useState(profile.phoneNumbers[0]?.number ?? '');
  const [locale, setLocale] = useState<string | null>(profile.locale ?? navigator.language ?? null);
  // the person's own zone, else the browser's when it names a real place, else the tenant's
  const [timeZone, setTimeZone] = useState<string | null>(
    profile.timeZone ??
      (zones.includes(browserZone) && browserZone !== 'UTC' ? browserZone : null) ??
      profile.tenantTimeZone ??
      (zones.includes(browserZone) ? browserZone : null),
  );
  const submit = () => {
    const body: Parameters<typeof save.mutate>[0] = {
      // the first number is the one asked for here; any others stay as they are
      phoneNumbers: [
        ...(phone.trim() ? [{ type: profile.phoneNumbers[0]?.type ?? 'mobile', number: phone.trim() }] : []),
        ...profile.phoneNumbers.slice(1),
      ],
      locale: locale && LOCALES.some((l) => l.value === locale) ? locale : null,
      timeZone,
    };
    if (!mastered('firstName')) body.firstName = firstName;
    if (!mastered('lastName')) body.lastName = lastName;
    save.mutate(body, { onSuccess: onNext });
  };
  return (
    <Stack mt="lg">
      <SimpleGrid cols={2}>
        <TextInput
          label="First name"
          name="setup-first-name"
          value={firstName}
          onChange={(e) => setFirstName(e.currentTarget.value)}
          disabled={mastered('firstName')}
          description={mastered('firstName') ? 'Managed by your directory' : undefined}
          required
        />
        <TextInput
          label="Last name"
          name="setup-last-name"
          value={lastName}
          onChange={(e) => setLastName(e.currentTarget.value)}
          disabled={mastered('lastName')}
          description={mastered('lastName') ? 'Managed by your directory' : undefined}
          required
        />
      </SimpleGrid>
      <TextInput
        label="Phone number"
        name="setup-phone"
        placeholder="+44 20 7946 0000"
        value={phone}
        onChange={(e) => setPhone(e.currentTarget.value)}
      />
      <SimpleGrid cols={2}>
        <Select
          label="Language"
          data={LOCALES}
          value={locale && LOCALES.some((l) => l.value === locale) ? locale : null}
          onChange={setLocale}
          placeholder="Choose a language"
          allowDeselect={false}
        />
        <Select
          label="Time zone"
          data-testid="setup-time-zone"
          data={zones}
          value={timeZone}
          onChange={setTimeZone}
          searchable
          nothingFoundMessage="No time zone matches"
          description="Scheduled emails and flow steps use it"
          required
        />
      </SimpleGrid>
      <ErrorAlert error={save.error} />
      {timeZone ? null : (
        <Text size="sm" c="orange.8">
          Choose your time zone: scheduled emails and flow steps are timed by it.
        </Text>
      )}
      <StepButtons onNext={submit} loading={save.isPending} nextLabel={nextLabel} disabled={!timeZone} />
    </Stack>
  );
}

export function PhotoStep({
  profile,
  onBack,
  onNext,
}: {
  profile: OwnProfile;
  onBack?: () => void;
  onNext?: () => void;
}) {
  const upload = useUploadOwnAvatar();
  return (
    <Stack mt="lg" align="center">
      <Avatar src={profile.avatarUrl} size={112} radius={112} alt="Your photo" />
      <Text size="sm" c="dimmed" ta="center">
        A photo helps colleagues recognise you. PNG, JPEG or WebP, up to 1 MB. Without one, your initials (
        {profile.initials}) are shown.
      </Text>
      <FileButton
        accept="image/png,image/jpeg,image/webp"
        onChange={(file) => {
          if (file) upload.mutate({ tenantId: profile.tenantId, userId: profile.id, file });
        }}
      >
        {(props) => (
          <Button variant="light" loading={upload.isPending} {...props}>
            {profile.hasAvatar ? 'Choose another photo' : 'Upload a photo'}
          </Button>
        )}
      </FileButton>
      {upload.isSuccess ? (
        <Text size="sm" c="teal">
          <IconCheck size={14} /> Photo saved
        </Text>
      ) : null}
      <ErrorAlert error={upload.error} />
      {onNext ? (
        <Box w="100%">
          <StepButtons
            onBack={onBack}
            onNext={onNext}
            nextLabel={profile.hasAvatar ? 'Continue' : 'Skip photo'}
          />
        </Box>
      ) : null}
    </Stack>
  );
}

function SecurityStep({ onBack, onNext }: { onBack: () => void; onNext: () => void }) {
  const mfa = useMyMfa();
  const [enrolling, setEnrolling] = useState(false);
  const factors = mfa.data?.factors ?? [];
  return (
    <Stack mt="lg">
      {enrolling ? (
        // stays until the person has seen the recovery codes and clicked Continue, even though the new
        // factor already counts
        <TotpEnrolment
          onDone={() => {
            setEnrolling(false);
            void mfa.refetch();
          }}
        />
      ) : factors.length > 0 ? (
        <Alert
          color="teal"
          variant="light"
          icon={<IconShieldCheck size={18} />}
          title="Two-step sign-in is on"
        >
          You sign in with your password and {factors.map((f) => f.name).join(', ')}.
        </Alert>
      ) : (
        <>
          <Text size="sm">
            A second factor keeps your account safe even if someone learns your password.
            {mfa.data?.enforced ? ' Your organization requires one.' : ' We recommend one.'}
          </Text>
          <Button variant="light" onClick={() => setEnrolling(true)} data-testid="setup-add-totp">
            Add an authenticator app
          </Button>
          <Text size="xs" c="dimmed">
            Passkeys and recovery codes are on your My security page.
          </Text>
        </>
      )}
      {enrolling ? null : (
        <StepButtons
          onBack={onBack}
          onNext={onNext}
          nextLabel={factors.length > 0 ? 'Continue' : 'Not now'}
        />
      )}
    </Stack>
  );
}

export function NotificationsStep({
  profile,
  onBack,
  onNext,
  finishing = false,
  nextLabel = 'Finish setup',
}: {
  profile: OwnProfile;
  onBack?: () => void;
  onNext: () => void;
  finishing?: boolean;
  nextLabel?: string;
}) {
  const save = useUpdateOwnProfile();
  const current = profile.notificationPreferences;
  const [prefs, setPrefs] = useState<NotificationPreferences>({
    email: current.email ?? true,
    flowTasks: current.flowTasks ?? true,
    securityAlerts: current.securityAlerts ?? true,
    digest: current.digest ?? 'weekly',
  });
  const toggle =
    (key: 'email' | 'flowTasks' | 'securityAlerts') => (e: { currentTarget: { checked: boolean } }) =>
      setPrefs((p) => ({ ...p, [key]: e.currentTarget.checked }));
  return (
    <Stack mt="lg">
      <Checkbox
        label="Email me about my account"
        description="Invitations, password changes, licence changes"
        checked={prefs.email}
        onChange={toggle('email')}
      />
      <Checkbox
        label="Tasks assigned to me"
        description="Steps of onboarding and offboarding flows that wait for you"
        checked={prefs.flowTasks}
        onChange={toggle('flowTasks')}
      />
      <Checkbox
        label="Security alerts"
        description="New sign-ins, locked accounts, changed second factors"
        checked={prefs.securityAlerts}
        onChange={toggle('securityAlerts')}
      />
      <Select
        label="Activity digest"
        w={260}
        data={[
          { value: 'none', label: 'No digest' },
          { value: 'daily', label: 'Daily' },
          { value: 'weekly', label: 'Weekly' },
        ]}
        value={prefs.digest ?? 'weekly'}
        onChange={(v) =>
          setPrefs((p) => ({ ...p, digest: (v ?? 'weekly') as NotificationPreferences['digest'] }))
        }
        allowDeselect={false}
      />
      <ErrorAlert error={save.error} />
      <StepButtons
        onBack={onBack}
        onNext={() => save.mutate({ notificationPreferences: prefs }, { onSuccess: onNext })}
        nextLabel={nextLabel}
        loading={save.isPending || finishing}
      />
    </Stack>
  );
}
