import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  FileInput,
  Group,
  Paper,
  Progress,
  Radio,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconDownload, IconFileTypeCsv, IconUpload } from '@tabler/icons-react';
import { Link, useParams } from '@tanstack/react-router';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useDirectoryInvalidation } from '../../api/hooks.ts';
import {
  type Import,
  type ImportOptions,
  reportUrl,
  useCancelImport,
  useImport,
  useImportRows,
  useStartPass,
  useUploadCsv,
} from '../../api/imports.ts';
import { ErrorAlert, PageHeader } from '../../ui/index.tsx';

/**
 * The import wizard: upload a CSV, say what each column is with the dropdown over it (and whether
 * the first row names the columns), check every row in a dry run, then import with a progress bar
 * and download the report.
 */
const FIELDS: Array<{ value: string; label: string; group: string }> = [
  { value: 'firstName', label: 'First name', group: 'Name' },
  { value: 'lastName', label: 'Last name', group: 'Name' },
  { value: 'fullName', label: 'Full name', group: 'Name' },
  { value: 'email', label: 'Email', group: 'Sign-in' },
  { value: 'username', label: 'Username', group: 'Sign-in' },
  { value: 'roles', label: 'Roles', group: 'Access' },
  { value: 'groups', label: 'Groups', group: 'Access' },
  { value: 'rolesAndGroups', label: 'Roles and groups', group: 'Access' },
  { value: 'kind', label: 'User type (internal/external)', group: 'Profile' },
  { value: 'jobTitle', label: 'Job title', group: 'Profile' },
  { value: 'department', label: 'Department', group: 'Profile' },
  { value: 'employeeId', label: 'Employee id', group: 'Profile' },
  { value: 'hireDate', label: 'Hire date', group: 'Profile' },
  { value: 'leaveDate', label: 'Leave date', group: 'Profile' },
  { value: 'locale', label: 'Language', group: 'Profile' },
  { value: 'timeZone', label: 'Time zone', group: 'Profile' },
  { value: 'phoneMobile', label: 'Mobile phone', group: 'Phone' },
  { value: 'phoneWork', label: 'Work phone', group: 'Phone' },
  { value: 'phoneHome', label: 'Home phone', group: 'Phone' },
];
const IGNORE = '';

function customKey(header: string): string | null {
  const key = header
    .trim()
    .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))
    .replace(/^[^A-Za-z]+/, '');
  return key ? `custom:${key.charAt(0).toLowerCase()}${key.slice(1, 64)}` : null;
}

function optionsFor(header: string, hasHeader: boolean) {
  const groups = new Map<string, Array<{ value: string; label: string }>>();
  for (const f of FIELDS)
    groups.set(f.group, [...(groups.get(f.group) ?? []), { value: f.value, label: f.label }]);
  const custom = hasHeader ? customKey(header) : null;
  return [
    { group: 'Skip', items: [{ value: IGNORE, label: 'Do not import' }] },
    ...[...groups].map(([group, items]) => ({ group, items })),
    ...(custom
      ? [{ group: 'Custom attribute', items: [{ value: custom, label: `Custom: ${custom.slice(7)}` }] }]
      : []),
  ];
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

export function ImportPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const [importId, setImportId] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const upload = useUploadCsv(tenantId);
  const current = useImport(tenantId, importId);
  const imp = current.data ?? upload.data ?? null;
  const startPass = useStartPass(tenantId);
  const cancel = useCancelImport(tenantId);
  const invalidate = useDirectoryInvalidation();

  const [hasHeader, setHasHeader] = useState(true);
  const [mapping, setMapping] = useState<Record<number, string>>({});
  const [separator, setSeparator] = useState(';');
  const [existing, setExisting] = useState<'fail' | 'update' | 'skip'>('fail');
  const [matchBy, setMatchBy] = useState<'email' | 'username' | 'employeeId'>('email');
  const [welcome, setWelcome] = useState<'none' | 'set_password_link'>('none');

  // a new upload proposes a mapping from its header names
  useEffect(() => {
    if (!upload.data) return;
    setImportId(upload.data.id);
    setHasHeader(upload.data.suggestedHasHeader);
    setMapping(
      Object.fromEntries(
        upload.data.columns.filter((c) => c.suggestedField).map((c) => [c.index, c.suggestedField as string]),
      ),
    );
  }, [upload.data]);

  const options: ImportOptions = useMemo(
    () => ({
      hasHeader,
      columns: Object.entries(mapping)
        .filter(([, field]) => field)
        .map(([index, field]) => ({ index: Number(index), field })),
      separator,
      existing,
      ...(existing === 'fail' ? {} : { matchBy }),
      welcome,
    }),
    [hasHeader, mapping, separator, existing, matchBy, welcome],
  );

  const step = !imp
    ? 0
    : imp.phase === 'run'
      ? 3
      : imp.status === 'validating' || imp.status === 'validated'
        ? 2
        : 1;
  const [editing, setEditing] = useState(false);
  const shownStep = editing && step === 2 ? 1 : step;
  const finished = imp?.status === 'completed' || imp?.status === 'failed' || imp?.status === 'cancelled';
  // a finished import ticks its last step too; a failed or stopped one leaves it open
  const stepperAt = shownStep === 3 && imp?.status === 'completed' ? 4 : shownStep;
  // once an import ends, the users list and everything that shows users is stale
  const invalidated = useRef<string | null>(null);
  useEffect(() => {
    if (imp?.phase !== 'run' || imp.status === 'running' || invalidated.current === imp.id) return;
    invalidated.current = imp.id;
    invalidate();
  }, [imp?.id, imp?.phase, imp?.status, invalidate]);

  const run = (phase: 'dry-run' | 'run') => {
    if (!imp) return;
    startPass.mutate(
      { id: imp.id, phase, options },
      {
        onSuccess: () => {
          setEditing(false);
          current.refetch();
        },
      },
    );
  };

  return (
    <>
      <PageHeader
        title="Import users"
        description="Bring many users at once from a CSV file: map its columns, check every row, then import."
        actions={
          <Button component={Link} to={`/t/${tenantId}/users`} variant="default">
            Back to users
          </Button>
        }
      />
      <Stepper active={stepperAt} mb="xl" size="sm" allowNextStepsSelect={false} data-testid="import-steps">
        <Stepper.Step label="Upload" description="A CSV file" />
        <Stepper.Step label="Map columns" description="What each column is" />
        <Stepper.Step label="Check" description="Dry run, nothing written" />
        <Stepper.Step label="Import" description="Progress and report" />
      </Stepper>

      {shownStep === 0 ? (
        <Paper withBorder radius="lg" p="xl" maw={640}>
          <Stack>
            <Text size="sm" c="dimmed">
              UTF-8 text, with or without a byte-order mark, separated by commas, semicolons or tabs (Excel’s
              “CSV UTF-8” works). Each row is one user; the first and last name and an email or username are
              needed. A roles or groups column gives the names of existing roles and groups.
            </Text>
            <FileInput
              label="CSV file"
              placeholder="Choose a file"
              accept=".csv,text/csv,text/plain"
              leftSection={<IconFileTypeCsv size={18} />}
              value={file}
              onChange={setFile}
              data-testid="import-file"
            />
            <ErrorAlert error={upload.error} />
            <Group justify="flex-end">
              <Button
                leftSection={<IconUpload size={16} />}
                disabled={!file}
                loading={upload.isPending}
                onClick={() => file && upload.mutate(file)}
              >
                Upload
              </Button>
            </Group>
          </Stack>
        </Paper>
      ) : null}

      {imp && shownStep === 1 ? (
        <MappingStep
          imp={imp}
          hasHeader={hasHeader}
          setHasHeader={setHasHeader}
          mapping={mapping}
          setMapping={setMapping}
          separator={separator}
          setSeparator={setSeparator}
          existing={existing}
          setExisting={setExisting}
          matchBy={matchBy}
          setMatchBy={setMatchBy}
          error={startPass.error}
          pending={startPass.isPending}
          onCheck={() => run('dry-run')}
        />
      ) : null}

      {imp && shownStep === 2 ? (
        <Paper withBorder radius="lg" p="xl">
          <Stack>
            <PassProgress imp={imp} verb="Checking" />
            {imp.status === 'validated' ? (
              <>
                <Summary imp={imp} dryRun />
                <RowErrors tenantId={tenantId} imp={imp} phase="dry_run" />
                {imp.progress.created > 0 ? <WelcomeChoice value={welcome} onChange={setWelcome} /> : null}
                <ErrorAlert error={startPass.error} />
                <Group justify="space-between">
                  <Group>
                    <Button variant="default" onClick={() => setEditing(true)}>
                      Change mapping
                    </Button>
                    <Anchor
                      href={reportUrl(tenantId, imp.id, 'dry_run')}
                      size="sm"
                      data-testid="dry-run-report"
                    >
                      <Group gap={4}>
                        <IconDownload size={14} /> Download dry-run report
                      </Group>
                    </Anchor>
                  </Group>
                  <Button
                    onClick={() => run('run')}
                    loading={startPass.isPending}
                    disabled={imp.progress.created + imp.progress.updated === 0}
                    data-testid="start-import"
                  >
                    Import {imp.progress.created + imp.progress.updated} valid row
                    {imp.progress.created + imp.progress.updated === 1 ? '' : 's'}
                  </Button>
                </Group>
              </>
            ) : (
              <Group justify="flex-end">
                <Button
                  variant="default"
                  color="red"
                  onClick={() => cancel.mutate(imp.id)}
                  loading={cancel.isPending}
                >
                  Stop checking
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
      ) : null}

      {imp && shownStep === 3 ? (
        <Paper withBorder radius="lg" p="xl">
          <Stack>
            <PassProgress imp={imp} verb="Importing" />
            {imp.error ? (
              <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />}>
                {imp.error.message}
              </Alert>
            ) : null}
            {finished ? (
              <>
                <Summary imp={imp} />
                {imp.options?.welcome === 'set_password_link' && imp.progress.created > 0 ? (
                  <Text size="sm" data-testid="welcome-sent">
                    Each new user with an email address is being sent a welcome email with a link to choose
                    their password (valid 7 days). The Outbox shows each message.
                  </Text>
                ) : null}
                <RowErrors tenantId={tenantId} imp={imp} phase="run" />
                <Group justify="space-between">
                  <Button
                    component="a"
                    href={reportUrl(tenantId, imp.id, 'run')}
                    leftSection={<IconDownload size={16} />}
                    variant="light"
                    data-testid="download-report"
                  >
                    Download report (CSV)
                  </Button>
                  <Button component={Link} to={`/t/${tenantId}/users`}>
                    Go to users
                  </Button>
                </Group>
              </>
            ) : (
              <Group justify="flex-end">
                <Button
                  variant="default"
                  color="red"
                  onClick={() => cancel.mutate(imp.id)}
                  loading={cancel.isPending}
                >
                  Stop after this batch
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
      ) : null}
    </>
  );
}

function MappingStep(props: {
  imp: Import;
  hasHeader: boolean;
  setHasHeader: (v: boolean) => void;
  mapping: Record<number, string>;
  setMapping: (m: Record<number, string>) => void;
  separator: string;
  setSeparator: (s: string) => void;
  existing: 'fail' | 'update' | 'skip';
  setExisting: (v: 'fail' | 'update' | 'skip') => void;
  matchBy: 'email' | 'username' | 'employeeId';
  setMatchBy: (v: 'email' | 'username' | 'employeeId') => void;
  error: unknown;
  pending: boolean;
  onCheck: () => void;
}) {
  const { imp, hasHeader, mapping } = props;
  const rows = hasHeader ? imp.preview.slice(1) : imp.preview;
  // one count everywhere: the rows that become users, the header row apart
  const dataRows = Math.max(0, imp.recordCount - (hasHeader ? 1 : 0));
  const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
  const used = Object.values(mapping).filter(Boolean);
  const has = (f: string) => used.includes(f);
  const missing = [
    ...(has('fullName') || (has('firstName') && has('lastName'))
      ? []
      : ['first and last name (or full name)']),
    ...(has('email') || has('username') ? [] : ['email or username']),
  ];
  const grants = has('roles') || has('groups') || has('rolesAndGroups');
  return (
    <Paper withBorder radius="lg" p="xl">
      <Stack>
        <Group justify="space-between">
          <Text size="sm">
            <b>{imp.fileName}</b> ·{' '}
            <span data-testid="row-count">
              {hasHeader
                ? `${plural(imp.recordCount, 'row')}: a header and ${plural(dataRows, 'data row')}`
                : plural(dataRows, 'data row')}
            </span>{' '}
            · {imp.columnCount} columns · {DELIMITER_NAMES[imp.delimiter] ?? imp.delimiter}-separated
            {imp.hasBom ? ' · UTF-8 with BOM' : ''}
          </Text>
          <Checkbox
            label="Use first row of .csv file as column headers"
            checked={hasHeader}
            onChange={(e) => props.setHasHeader(e.currentTarget.checked)}
            data-testid="has-header"
          />
        </Group>
        <Text size="sm" c="dimmed">
          Choose over each column what it holds. Columns left on “Do not import” are skipped.
        </Text>
        <ScrollArea type="auto" offsetScrollbars>
          <Table withTableBorder withColumnBorders striped style={{ minWidth: imp.columnCount * 190 }}>
            <Table.Thead>
              <Table.Tr>
                {imp.columns.map((c) => (
                  <Table.Th key={c.index} style={{ minWidth: 180, verticalAlign: 'top' }}>
                    <Select
                      size="xs"
                      aria-label={`Column ${c.index + 1}`}
                      data-testid={`column-${c.index}`}
                      data={optionsFor(c.header, hasHeader)}
                      value={mapping[c.index] ?? IGNORE}
                      onChange={(v) => props.setMapping({ ...mapping, [c.index]: v ?? IGNORE })}
                      allowDeselect={false}
                      comboboxProps={{ withinPortal: true }}
                      maxDropdownHeight={320}
                    />
                    <Text size="xs" c="dimmed" mt={4} truncate>
                      {hasHeader ? c.header || `Column ${c.index + 1}` : `Column ${c.index + 1}`}
                    </Text>
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no identity of their own
                <Table.Tr key={i}>
                  {imp.columns.map((c) => (
                    <Table.Td key={c.index} c={mapping[c.index] ? undefined : 'dimmed'}>
                      <Text size="sm" truncate maw={220}>
                        {r[c.index] ?? ''}
                      </Text>
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        {dataRows > rows.length ? (
          <Text size="sm" c="dimmed" data-testid="more-rows">
            The first {rows.length.toLocaleString()} of {plural(dataRows, 'data row')}, and{' '}
            {plural(dataRows - rows.length, 'more row')} not shown here; the check reads them all.
          </Text>
        ) : null}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Users who already exist"
            description="Found by the key column"
            data={[
              { value: 'fail', label: 'Report them as errors' },
              { value: 'update', label: 'Update them from the file' },
              { value: 'skip', label: 'Leave them as they are' },
            ]}
            value={props.existing}
            onChange={(v) => props.setExisting((v ?? 'fail') as 'fail' | 'update' | 'skip')}
            allowDeselect={false}
          />
          {props.existing !== 'fail' ? (
            <Select
              label="Key column"
              description="How a row finds its user"
              data={[
                { value: 'email', label: 'Email' },
                { value: 'username', label: 'Username' },
                { value: 'employeeId', label: 'Employee id' },
              ]}
              value={props.matchBy}
              onChange={(v) => props.setMatchBy((v ?? 'email') as 'email' | 'username' | 'employeeId')}
              allowDeselect={false}
            />
          ) : null}
          {grants ? (
            <TextInput
              label="Separator between names"
              description="In the roles and groups column, e.g. Sales;Support"
              value={props.separator}
              onChange={(e) => props.setSeparator(e.currentTarget.value)}
              maxLength={3}
            />
          ) : null}
        </SimpleGrid>
        {missing.length ? (
          <Text size="sm" c="orange">
            Still to map: {missing.join(', ')}.
          </Text>
        ) : null}
        <ErrorAlert error={props.error} />
        <Group justify="flex-end">
          <Button
            onClick={props.onCheck}
            loading={props.pending}
            disabled={missing.length > 0}
            data-testid="dry-run"
          >
            Check {plural(dataRows, 'data row')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function PassProgress({ imp, verb }: { imp: Import; verb: string }) {
  const { done, total } = imp.progress;
  const percent = total > 0 ? Math.round((done / total) * 100) : 100;
  const running = imp.status === 'validating' || imp.status === 'running';
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          {running
            ? `${verb}…`
            : imp.status === 'cancelled'
              ? 'Stopped'
              : verb === 'Checking'
                ? 'Checked'
                : 'Done'}
        </Text>
        <Text size="sm" c="dimmed" data-testid="progress-text">
          {done.toLocaleString()} of {total.toLocaleString()} rows
        </Text>
      </Group>
      <Progress value={percent} animated={running} size="lg" radius="xl" data-testid="import-progress" />
    </Stack>
  );
}

function Summary({ imp, dryRun = false }: { imp: Import; dryRun?: boolean }) {
  const p = imp.progress;
  // created and failed always; updated and skipped when there are any
  const items = [
    { label: dryRun ? 'Would be created' : 'Created', value: p.created, color: 'teal', always: true },
    { label: dryRun ? 'Would be updated' : 'Updated', value: p.updated, color: 'indigo', always: false },
    { label: 'Skipped', value: p.skipped, color: 'gray', always: false },
    {
      label: dryRun ? 'With errors' : 'Failed',
      value: p.failed,
      color: p.failed ? 'red' : 'gray',
      always: true,
    },
  ].filter((i) => i.always || i.value > 0);
  return (
    <Group gap="md" data-testid="import-summary">
      {items.map((i) => (
        <Badge
          key={i.label}
          size="xl"
          radius="md"
          variant="light"
          color={i.color}
          leftSection={i.label === 'Created' ? <IconCheck size={14} /> : null}
        >
          {i.value.toLocaleString()} {i.label.toLowerCase()}
        </Badge>
      ))}
    </Group>
  );
}

/** How the people the import creates get in: the importer decides before anyone is emailed. */
function WelcomeChoice(props: {
  value: 'none' | 'set_password_link';
  onChange: (v: 'none' | 'set_password_link') => void;
}) {
  return (
    <Paper withBorder radius="md" p="md" bg="var(--mantine-color-gray-0)">
      <Radio.Group
        label="How do the new users get in?"
        description="Users the import updates get nothing either way."
        value={props.value}
        onChange={(v) => props.onChange(v as 'none' | 'set_password_link')}
        data-testid="welcome-choice"
      >
        <Stack gap="sm" mt="sm">
          <Radio
            value="none"
            label="Don’t email them"
            description="Nothing is sent now. Later, give them a password or send a reset link from their page."
          />
          <Radio
            value="set_password_link"
            label="Email each a link to choose their password"
            description="Every new user with an email address gets a welcome email saying you added them, with the organization and login to sign in with. The link works once, for 7 days; using it also confirms their address."
            data-testid="welcome-set-password-link"
          />
        </Stack>
      </Radio.Group>
    </Paper>
  );
}

function RowErrors({ tenantId, imp, phase }: { tenantId: string; imp: Import; phase: 'dry_run' | 'run' }) {
  const rows = useImportRows(tenantId, imp.id, imp.progress.failed > 0, phase);
  if (imp.progress.failed === 0)
    return (
      <Text size="sm" c="teal">
        No row has an error.
      </Text>
    );
  const items = rows.data?.items ?? [];
  return (
    <Stack gap="xs">
      <Text size="sm" fw={600}>
        Rows with errors
        {imp.progress.failed > items.length ? ` (first ${items.length} of ${imp.progress.failed})` : ''}
      </Text>
      <ScrollArea.Autosize mah={360} type="auto">
        <Table striped withTableBorder data-testid="row-errors">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={70}>Row</Table.Th>
              <Table.Th w={240}>Email or username</Table.Th>
              <Table.Th>Reason</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.row}>
                <Table.Td>{r.row}</Table.Td>
                <Table.Td>
                  <Text size="sm" truncate maw={230}>
                    {r.login ?? '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {r.problems.length > 1 ? (
                    <Stack gap={6}>
                      {r.problems.map((p) => (
                        <div key={p.code + p.message}>
                          <Text size="sm">• {p.message}</Text>
                          <Text size="xs" c="dimmed" ff="monospace" pl={12}>
                            {p.code}
                          </Text>
                        </div>
                      ))}
                    </Stack>
                  ) : (
                    <>
                      <Text size="sm">{r.message}</Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {r.code}
                      </Text>
                    </>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>
    </Stack>
  );
}
