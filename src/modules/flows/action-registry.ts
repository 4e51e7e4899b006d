import { readdir } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FieldError } from '../../platform/errors.ts';
import type { FlowAction } from './action.ts';

/**
 * Every file in `actions/` is one action; they are loaded here, once, when the module is first
 * imported. Action files import only `action.ts` (never this module), so the loading cannot cycle.
 */
// ajv-formats is CommonJS: under Node's ESM loader its default export is the plugin function itself.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, removeAdditional: false });
addFormats(ajv);

const registry = new Map<string, { action: FlowAction; validate: ReturnType<typeof ajv.compile> }>();

export function registerAction(action: FlowAction): void {
  if (registry.has(action.type)) throw new Error(`flow action ${action.type} is registered twice`);
  registry.set(action.type, { action, validate: ajv.compile(action.params) });
}

const actionsDir = new URL('./actions/', import.meta.url);
for (const file of (await readdir(actionsDir)).filter((f) => /^[a-z0-9-]+\.ts$/.test(f)).sort()) {
  const mod = (await import(new URL(file, actionsDir).href)) as { default?: FlowAction };
  if (!mod.default) throw new Error(`flow action file ${file} has no default export`);
  registerAction(mod.default);
}

export function findAction(type: string): FlowAction | undefined {
  return registry.get(type)?.action;
}

export function listActions(): FlowAction[] {
  return [...registry.values()].map((r) => r.action).sort((a, b) => a.order - b.order);
}

/** Validates (and fills defaults into) a step's parameters; field paths are relative to `prefix`. */
export function validateParams(type: string, params: Record<string, unknown>, prefix: string): FieldError[] {
  const entry = registry.get(type);
  if (!entry) return [{ field: prefix, message: `there is no action "${type}"` }];
  if (!entry.validate(params)) {
    return (entry.validate.errors ?? []).map((e: ErrorObject) => ({
      field: `${prefix}${e.instancePath}${e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : ''}`,
      message:
        e.keyword === 'additionalProperties'
          ? 'is not a parameter of this action'
          : (e.message ?? 'is not valid'),
    }));
  }
  return (entry.action.check?.(params as never) ?? []).map((e) => ({ ...e, field: `${prefix}/${e.field}` }));
}
