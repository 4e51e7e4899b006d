import { useMutation, useQuery } from '@tanstack/react-query';
import { ApiError, csrfToken, get, post, qs } from './client.ts';

/** CSV imports and the users export (issue 8). */
export interface ImportColumn {
  index: number;
  header: string;
  samples: string[];
  suggestedField: string | null;
}
export interface ImportProgress {
  total: number;
  done: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}
export type ImportStatus =
  | 'uploaded'
  | 'validating'
  | 'validated'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled';
export interface Import {
  id: string;
  fileName: string;
  bytes: number;
  delimiter: string;
  hasBom: boolean;
  recordCount: number;
  columnCount: number;
  columns: ImportColumn[];
  preview: string[][];
  suggestedHasHeader: boolean;
  status: ImportStatus;
  phase: 'dry_run' | 'run' | null;
  progress: ImportProgress;
  cancelRequested: boolean;
  error: { code: string; message: string } | null;
  /** The options of the latest pass. */
  options: ImportOptions | null;
}
export interface ImportOptions {
  hasHeader: boolean;
  columns: Array<{ index: number; field: string }>;
  separator?: string;
  existing?: 'fail' | 'update' | 'skip';
  matchBy?: 'email' | 'username' | 'employeeId';
  /** How the users the run creates get in: nothing is emailed, or a link to choose a password. */
  welcome?: 'none' | 'set_password_link';
}
export interface RowResult {
  row: number;
  outcome: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  userId: string | null;
  login: string | null;
  code: string | null;
  message: string | null;
  /** Every problem of a failed row. */
  problems: Array<{ code: string; message: string }>;
}

const base = (tenantId: string) => `/api/v1/tenants/${tenantId}/imports`;

/** The file goes as the request body, streamed by the browser; the answer is its columns and preview. */
export async function uploadCsv(tenantId: string, file: File): Promise<Import> {
  const headers: Record<string, string> = { 'content-type': 'text/csv', accept: 'application/json' };
  const csrf = csrfToken();
  if (csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(`${base(tenantId)}${qs({ fileName: file.name })}`, {
    method: 'POST',
    headers,
    credentials: 'same-origin',
    body: file,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new ApiError(
      data?.code
        ? data
        : {
            type: 'about:blank',
            title: res.statusText,
            status: res.status,
            detail: res.statusText,
            code: 'http.error',
          },
    );
  return data as Import;
}

export const useUploadCsv = (tenantId: string) =>
  useMutation({ mutationFn: (file: File) => uploadCsv(tenantId, file) });

/** Polls while a pass is checking or importing. */
export const useImport = (tenantId: string, importId: string | null) =>
  useQuery({
    queryKey: ['import', tenantId, importId],
    enabled: Boolean(importId),
    queryFn: () => get<Import>(`${base(tenantId)}/${importId}`),
    refetchInterval: (q) =>
      q.state.data && (q.state.data.status === 'validating' || q.state.data.status === 'running')
        ? 500
        : false,
  });

export const useImportRows = (tenantId: string, importId: string | null, enabled: boolean, phase: string) =>
  useQuery({
    queryKey: ['import-rows', tenantId, importId, phase],
    enabled: Boolean(importId) && enabled,
    queryFn: () =>
      get<{ items: RowResult[]; nextCursor: string | null }>(
        `${base(tenantId)}/${importId}/rows${qs({ outcome: 'failed', phase, limit: 500 })}`,
      ),
  });

export const useStartPass = (tenantId: string) =>
  useMutation({
    mutationFn: ({ id, phase, options }: { id: string; phase: 'dry-run' | 'run'; options: ImportOptions }) =>
      post<Import>(`${base(tenantId)}/${id}/${phase}`, options),
  });

export const useCancelImport = (tenantId: string) =>
  useMutation({ mutationFn: (id: string) => post<Import>(`${base(tenantId)}/${id}/cancel`) });

export const reportUrl = (tenantId: string, importId: string, phase: 'dry_run' | 'run') =>
  `${base(tenantId)}/${importId}/report${qs({ phase })}`;

export const exportUrl = (
  tenantId: string,
  query: { q?: string; status?: string; sort?: string; columns: string[] },
) =>
  `/api/v1/tenants/${tenantId}/users/export${qs({ q: query.q, status: query.status, sort: query.sort, columns: query.columns.join(',') })}`;
