import { type Static, Type } from 'typebox';
import { ListQuery, NullableTimestamp, Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
export const EventKind = Type.String({
  pattern: '^(offboarding|onboarding|attribute:[A-Za-z][A-Za-z0-9_]{0,63})$',
  description:
    '`offboarding` (the leave date), `onboarding` (the hire date) or `attribute:<key>` (a date in a custom attribute)',
});

/** When a step runs: a day offset from the event and a time of day on the wall, or an exact time. */
export const RelativeWhen = Type.Object(
  {
    offsetDays: Type.Integer({ minimum: -365, maximum: 365, description: 'negative = before the event' }),
    timeOfDay: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM on the wall' }),
  },
  { additionalProperties: false },
);
export const ExactWhen = Type.Object(
  {
    at: Type.String({
      maxLength: 40,
      description:
        '`YYYY-MM-DDTHH:MM` on the wall in the run’s zone, or an ISO 8601 instant with Z or an offset',
    }),
  },
  { additionalProperties: false },
);
export const StepWhen = Type.Union([RelativeWhen, ExactWhen]);
export type StepWhen = Static<typeof StepWhen>;

const UserStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('archived'),
]);
export const StepCondition = Type.Union([
  Type.Object(
    {
      type: Type.Literal('user_status'),
      statuses: Type.Array(UserStatus, { minItems: 1, uniqueItems: true }),
    },
    { additionalProperties: false, description: 'only if the user’s status is one of these' },
  ),
  Type.Object(
    { type: Type.Literal('event_date_unchanged') },
    { additionalProperties: false, description: 'only if the user’s event date still equals the run’s' },
  ),
]);
export type StepCondition = Static<typeof StepCondition>;

export const StepInput = Type.Object(
  {
    action: Type.String({ pattern: '^[a-z][a-z0-9_]{0,40}$', description: 'see GET /api/v1/flow-actions' }),
    label: Type.Optional(Type.String({ maxLength: 200 })),
    params: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 50 }),
    ),
    when: StepWhen,
    continueOnFailure: Type.Optional(Type.Boolean({ default: false })),
    condition: Type.Optional(Nullable(StepCondition)),
  },
  { additionalProperties: false },
);
export type StepInput = Static<typeof StepInput>;

const TemplateName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', examples: ['Onboarding'] });
const Description = Type.String({ maxLength: 2000 });

export const CreateTemplateBody = Type.Object(
  {
    name: TemplateName,
    description: Type.Optional(Description),
    event: Type.Optional(EventKind),
    timeZoneSource: Type.Optional(Type.Union([Type.Literal('tenant'), Type.Literal('user')])),
    steps: Type.Array(StepInput, { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type CreateTemplateBody = Static<typeof CreateTemplateBody>;

export const UpdateTemplateBody = Type.Object(
  {
    name: Type.Optional(TemplateName),
    description: Type.Optional(Description),
    event: Type.Optional(EventKind),
    timeZoneSource: Type.Optional(Type.Union([Type.Literal('tenant'), Type.Literal('user')])),
    steps: Type.Optional(Type.Array(StepInput, { minItems: 1, maxItems: 50 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTemplateBody = Static<typeof UpdateTemplateBody>;

export const StepView = Type.Object({
  action: Type.String(),
  actionLabel: Type.String(),
  label: Type.String(),
  params: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description:
        'only for holders of `flows.templates.manage` (parameters may hold webhook addresses and tokens)',
    }),
  ),
  when: StepWhen,
  whenLabel: Type.String({ description: 'e.g. "-7 d 09:00"' }),
  continueOnFailure: Type.Boolean(),
  condition: Nullable(StepCondition),
});

const SourceRef = Type.Object({
  tenantId: Uuid,
  templateId: Uuid,
  version: Type.Integer(),
});
const PersonRef = Type.Object({ id: Uuid, name: Type.String() });

export const TemplateSummary = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  name: Type.String(),
  description: Type.String(),
  event: Type.String(),
  timeZoneSource: Type.String(),
  version: Type.Integer(),
  stepCount: Type.Integer(),
  owner: Nullable(PersonRef),
  source: Nullable(SourceRef),
  locallyEdited: Type.Boolean({
    description: 'a published copy changed in this tenant since it was published',
  }),
  detachedFromTemplateId: Nullable(Uuid),
  archivedAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const TemplateView = Type.Intersect([
  TemplateSummary,
  Type.Object({
    steps: Type.Array(StepView),
    versions: Type.Array(
      Type.Object({ version: Type.Integer(), createdAt: Timestamp, createdByLabel: Type.String() }),
    ),
  }),
]);

export const TemplateList = Type.Object({ items: Type.Array(TemplateSummary) });

export const ListTemplatesQuery = Type.Object(
  {
    event: Type.Optional(EventKind),
    archived: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const TemplateParams = Type.Object({ tenantId: Uuid, templateId: Uuid });
export const RunParams = Type.Object({ tenantId: Uuid, runId: Uuid });

export const PublishBody = Type.Object(
  {
    tenantIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    allCustomers: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PublishBody = Static<typeof PublishBody>;

export const PublishResult = Type.Object({
  version: Type.Integer(),
  results: Type.Array(
    Type.Object({
      tenantId: Uuid,
      tenantName: Type.String(),
      outcome: Type.Union([
        Type.Literal('created'),
        Type.Literal('updated'),
        Type.Literal('unchanged'),
        Type.Literal('skipped'),
      ]),
      reason: Nullable(Type.Union([Type.Literal('edited_locally'), Type.Literal('detached')])),
      copyId: Nullable(Uuid),
      sourceVersion: Nullable(Type.Integer()),
    }),
  ),
  skipped: Type.Integer(),
});

export const CopiesView = Type.Object({
  version: Type.Integer(),
  items: Type.Array(
    Type.Object({
      tenantId: Uuid,
      tenantName: Type.String(),
      copy: Nullable(
        Type.Object({
          templateId: Uuid,
          version: Type.Integer(),
          sourceVersion: Nullable(Type.Integer()),
          locallyEdited: Type.Boolean(),
          detached: Type.Boolean(),
        }),
      ),
    }),
  ),
});

export const StartRunBody = Type.Object(
  {
    templateId: Uuid,
    userId: Uuid,
    eventDate: DateOnly,
    dryRun: Type.Optional(Type.Boolean({ description: 'only return the timeline; change nothing' })),
    allowPastSteps: Type.Optional(
      Type.Boolean({
        description:
          'start even though some steps are due more than 24 h in the past (they run at once); without it such a start is refused with `flow_run.past_steps`',
      }),
    ),
  },
  { additionalProperties: false },
);
export type StartRunBody = Static<typeof StartRunBody>;

export const TimelineItem = Type.Object({
  position: Type.Integer(),
  action: Type.String(),
  actionLabel: Type.String(),
  label: Type.String(),
  whenLabel: Type.String(),
  dueAt: Timestamp,
  dueLocal: Type.String({ description: 'the instant on the wall in the run’s time zone' }),
  utcOffset: Type.String(),
  description: Type.String({ description: 'what the step will do to this user' }),
  condition: Nullable(Type.String()),
  continueOnFailure: Type.Boolean(),
  inPast: Type.Boolean({ description: 'its time has passed: it runs as soon as the step before it is done' }),
  overdue: Type.Boolean({
    description: 'its time is more than 24 h past: starting the run needs `allowPastSteps`',
  }),
  refusal: Nullable(
    Type.String({
      description:
        'why the step would fail if the caller started the run (what it takes away is beyond their permissions, rule 13)',
    }),
  ),
  afterPrevious: Type.Boolean({
    description: 'timed before the previous step: it runs right after that one',
  }),
});

const RunUser = Type.Object({
  id: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  email: Nullable(Type.String()),
  status: Type.String(),
});

export const DryRunView = Type.Object({
  dryRun: Type.Literal(true),
  templateId: Uuid,
  templateVersion: Type.Integer(),
  templateName: Type.String(),
  user: RunUser,
  eventDate: Type.String(),
  timeZone: Type.String(),
  timeline: Type.Array(TimelineItem),
});

export const RunStepView = Type.Object({
  position: Type.Integer(),
  action: Type.String(),
  actionLabel: Type.String(),
  label: Type.String(),
  whenLabel: Type.String(),
  dueAt: Timestamp,
  dueLocal: Type.String(),
  utcOffset: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  summary: Nullable(Type.String()),
  error: Nullable(Type.String()),
  errorCode: Nullable(Type.String()),
  continueOnFailure: Type.Boolean(),
  condition: Nullable(Type.String()),
});

export const RunSummary = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  tenantName: Type.String(),
  templateId: Uuid,
  templateVersion: Type.Integer(),
  templateName: Type.String(),
  event: Type.String(),
  eventDate: Type.String(),
  timeZone: Type.String(),
  status: Type.String(),
  trigger: Type.String(),
  initiatorLabel: Type.String(),
  user: RunUser,
  stepCount: Type.Integer(),
  doneCount: Type.Integer(),
  nextStep: Nullable(
    Type.Object({
      position: Type.Integer(),
      label: Type.String(),
      dueAt: Timestamp,
      attempts: Type.Integer(),
    }),
  ),
  failure: Nullable(
    Type.Object({
      position: Type.Integer(),
      label: Type.String(),
      error: Type.String(),
      code: Nullable(Type.String()),
    }),
  ),
  createdAt: Timestamp,
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  cancelledAt: NullableTimestamp,
  cancelReason: Nullable(Type.String()),
});

export const RunView = Type.Intersect([RunSummary, Type.Object({ steps: Type.Array(RunStepView) })]);

export const ListRunsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([
        Type.Literal('active'),
        Type.Literal('scheduled'),
        Type.Literal('running'),
        Type.Literal('completed'),
        Type.Literal('failed'),
        Type.Literal('cancelled'),
        Type.Literal('all'),
      ]),
    ),
    userId: Type.Optional(Uuid),
    templateId: Type.Optional(Uuid),
    customers: Type.Optional(Type.Boolean({ description: 'a provider: include the runs of its customers' })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type ListRunsQuery = Static<typeof ListRunsQuery>;

export const RunPage = Type.Object({
  items: Type.Array(RunSummary),
  nextCursor: Nullable(Type.String()),
});

export const RescheduleBody = Type.Object(
  {
    eventDate: DateOnly,
    allowPastSteps: Type.Optional(
      Type.Boolean({
        description:
          'move even though some pending steps would fall more than 24 h in the past (they run at once)',
      }),
    ),
  },
  { additionalProperties: false },
);
export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const FlowSettingsBody = Type.Object(
  {
    autoStart: Type.Object(
      {
        offboarding: Type.Optional(Nullable(Uuid)),
        onboarding: Type.Optional(Nullable(Uuid)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type FlowSettingsBody = Static<typeof FlowSettingsBody>;
export const FlowSettingsView = Type.Object({
  autoStart: Type.Object({ offboarding: Nullable(Uuid), onboarding: Nullable(Uuid) }),
});

export const ActionCatalog = Type.Object({
  items: Type.Array(
    Type.Object({
      type: Type.String(),
      label: Type.String(),
      description: Type.String(),
      permission: Type.String(),
      remote: Type.Boolean(),
      params: Type.Unknown({ description: 'JSON Schema of the parameters' }),
    }),
  ),
  emailVariables: Type.Array(Type.String()),
});

export const HeldBackQuery = Type.Object({ userId: Uuid }, { additionalProperties: false });
export const HeldBackRun = Type.Object({
  event: Type.String(),
  templateId: Uuid,
  templateName: Type.String(),
  eventDate: Type.String(),
  reason: Type.Union([Type.Literal('self'), Type.Literal('past_steps')], {
    description:
      '`self`: the person set their own date and the flow would take their access; `past_steps`: the date is long past, so steps would have run at once, late',
  }),
  pastStepCount: Type.Integer(),
  at: Timestamp,
  by: Nullable(Type.String()),
});
export const HeldBackPage = Type.Object({ items: Type.Array(HeldBackRun) });
