import { Button, Checkbox, Popover, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { exportUrl } from '../../api/imports.ts';

/** Export the list as it is filtered now (tab, search, sort), with the columns picked here. */
const COLUMNS = [
  { value: 'firstName', label: 'First name' },
  { value: 'lastName', label: 'Last name' },
  { value: 'email', label: 'Email' },
  { value: 'username', label: 'Username' },
  { value: 'status', label: 'Status' },
  { value: 'kind', label: 'User type' },
  { value: 'jobTitle', label: 'Job title' },
  { value: 'department', label: 'Department' },
  { value: 'employeeId', label: 'Employee id' },
  { value: 'hireDate', label: 'Hire date' },
  { value: 'leaveDate', label: 'Leave date' },
  { value: 'phoneNumbers', label: 'Phone numbers' },
  { value: 'roles', label: 'Roles' },
  { value: 'groups', label: 'Groups' },
  { value: 'licensed', label: 'Licensed' },
  { value: 'locale', label: 'Language' },
  { value: 'timeZone', label: 'Time zone' },
  { value: 'createdAt', label: 'Created' },
  { value: 'id', label: 'User id' },
];
const DEFAULT = [
  'firstName',
  'lastName',
  'email',
  'username',
  'status',
  'jobTitle',
  'department',
  'roles',
  'groups',
];

export function ExportButton({
  tenantId,
  query,
}: {
  tenantId: string;
  query: { q?: string; status?: string; sort?: string };
}) {
  const [columns, setColumns] = useState<string[]>(DEFAULT);
  const ordered = COLUMNS.map((c) => c.value).filter((c) => columns.includes(c));
  return (
    <Popover width={380} position="bottom-end" shadow="md" withArrow>
      <Popover.Target>
        <Button variant="default" leftSection={<IconDownload size={16} />} data-testid="export-users">
          Export
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="sm">
          <Text size="sm" fw={600}>
            Export the users shown as CSV
          </Text>
          <Text size="xs" c="dimmed">
            The current tab, search and sort apply; every page is included.
          </Text>
          <Checkbox.Group value={columns} onChange={setColumns}>
            <SimpleGrid cols={2} spacing={6} verticalSpacing={6}>
              {COLUMNS.map((c) => (
                <Checkbox key={c.value} value={c.value} label={c.label} size="xs" />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Button
            component="a"
            href={exportUrl(tenantId, { ...query, columns: ordered })}
            leftSection={<IconDownload size={16} />}
            disabled={ordered.length === 0}
            data-testid="export-download"
          >
            Download CSV
          </Button>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
