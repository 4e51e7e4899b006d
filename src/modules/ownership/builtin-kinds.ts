import { GroupErrors } from '../groups/groups.errors.ts';
import * as groupsRepo from '../groups/groups.repository.ts';
import { hasLicense, PEOPLE, rearmAlertIfBelow } from '../licenses/licenses.service.ts';
import { type IntegrationKind, type OwnableKind, registerOwnableKind } from './ownable-kinds.ts';
import * as repo from './ownership.repository.ts';

/**
 * Rollcall's own ownable kinds and the resource types integrations may register, in the order a
 * transfer moves them: a licence before the default-member slots that need one (rule 7).
 */
const groups: OwnableKind = {
  type: 'group',
  label: 'Groups',
  revertsAtDurationEnd: true,
  listOwnedBy: (tx, tenantId, userId) => groupsRepo.groupsHeldBy(tx, tenantId, 'ownerId', userId),
  listAll: (tx, tenantId, filter) => groupsRepo.listGroupsHeld(tx, tenantId, 'ownerId', filter),
  findOwned: async (tx, tenantId, id) => {
    const g = await groupsRepo.findGroup(tx, tenantId, id, { forUpdate: true });
    return g?.ownerId ? { id: g.id, name: g.name, ownerId: g.ownerId } : undefined;
  },
  setOwner: async (tx, tenantId, id, ownerId, now) => {
    await groupsRepo.updateGroup(tx, tenantId, id, { ownerId, updatedAt: now });
  },
};

const licenceLabel = (type: string) => `${type.charAt(0).toUpperCase()}${type.slice(1)} licence`;

/**
 * Licence seats. A recipient who already holds one of the type does not get a second: the user's
 * seat is freed for someone else (reference 003, "Tenant Ownerships"). Seats are assigned on the
 * licences page, so they are not listed on the Resources page.
 */
const licences: OwnableKind = {
  type: 'license',
  label: 'Licences',
  revertsAtDurationEnd: false,
  oneTimeOnly: true,
  freedOnRemoval: true,
  listOwnedBy: async (tx, tenantId, userId) => {
    const rows = await tx
      .selectFrom('licenseAssignments')
      .select('type')
      .where('tenantId', '=', tenantId)
      .where('userId', '=', userId)
      .orderBy('type')
      .execute();
    return rows.map((r) => ({ id: r.type, name: licenceLabel(r.type) }));
  },
  heldByRecipient: (tx, tenantId, type, recipientId) => hasLicense(tx, tenantId, recipientId, type),
  setOwner: async (tx, tenantId, type, ownerId, now, previousOwnerId) => {
    if (await hasLicense(tx, tenantId, ownerId, type)) {
      await tx
        .deleteFrom('licenseAssignments')
        .where('tenantId', '=', tenantId)
        .where('type', '=', type)
        .where('userId', '=', previousOwnerId)
        .execute();
      await rearmAlertIfBelow(tx, tenantId, type);
      return;
    }
    await tx
      .updateTable('licenseAssignments')
      .set({ userId: ownerId, assignedAt: now })
      .where('tenantId', '=', tenantId)
      .where('type', '=', type)
      .where('userId', '=', previousOwnerId)
      .execute();
  },
};

/** Rule 7: the member who receives a group's routed work; must be an active, licensed member. */
const defaultMemberSlots: OwnableKind = {
  type: 'default_group_member',
  label: 'Default group memberships',
  revertsAtDurationEnd: false,
  oneTimeOnly: true,
  listOwnedBy: (tx, tenantId, userId) => groupsRepo.groupsHeldBy(tx, tenantId, 'defaultMemberId', userId),
  listAll: (tx, tenantId, filter) => groupsRepo.listGroupsHeld(tx, tenantId, 'defaultMemberId', filter),
  findOwned: async (tx, tenantId, id) => {
    const g = await groupsRepo.findGroup(tx, tenantId, id, { forUpdate: true });
    return g?.defaultMemberId ? { id: g.id, name: g.name, ownerId: g.defaultMemberId } : undefined;
  },
  checkOwner: async (tx, tenantId, groupId, ownerId) => {
    if (!(await groupsRepo.memberIds(tx, tenantId, groupId)).includes(ownerId))
      throw GroupErrors.defaultMemberNotMember();
    if (!(await hasLicense(tx, tenantId, ownerId, PEOPLE))) throw GroupErrors.defaultMemberUnlicensed();
  },
  setOwner: async (tx, tenantId, id, ownerId, now) => {
    await groupsRepo.updateGroup(tx, tenantId, id, { defaultMemberId: ownerId, updatedAt: now });
  },
};

/**
 * Flow templates (rule 20) belong to the member who made them; copies a provider publishes have no
 * owner in the customer. Not in reference 003's list, so they move like groups: and back at the end
 * of a duration. Archived templates are retired and stay where they are.
 */
const flowTemplates: OwnableKind = {
  type: 'flow_template',
  label: 'Flow templates',
  revertsAtDurationEnd: true,
  listOwnedBy: (tx, tenantId, userId) => repo.flowTemplatesOwnedBy(tx, tenantId, userId),
  listAll: (tx, tenantId, filter) => repo.listOwnedFlowTemplates(tx, tenantId, filter),
  findOwned: (tx, tenantId, id) => repo.findOwnedFlowTemplate(tx, tenantId, id),
  setOwner: (tx, tenantId, id, ownerId, now) => repo.setFlowTemplateOwner(tx, tenantId, id, ownerId, now),
};

/** A resource type integrations register; its items live in `resources`. */
function integrationKind(
  type: string,
  label: string,
  opts: {
    revertsAtDurationEnd?: boolean;
    oneTimeOnly?: boolean;
    accessDuringDuration?: 'view' | 'edit';
  } = {},
): IntegrationKind {
  return {
    type,
    label,
    integration: true,
    revertsAtDurationEnd: opts.revertsAtDurationEnd ?? true,
    oneTimeOnly: opts.oneTimeOnly ?? false,
    accessDuringDuration: opts.accessDuringDuration,
    listOwnedBy: (tx, tenantId, userId) => repo.resourcesOwnedBy(tx, tenantId, type, userId),
    listAll: async (tx, tenantId, filter) =>
      (await repo.listResources(tx, tenantId, { ...filter, type })).map((r) => ({
        id: r.id,
        name: r.name,
        ownerId: r.ownerId,
      })),
    findOwned: async (tx, tenantId, id) => {
      const r = await repo.findResource(tx, tenantId, id, { forUpdate: true });
      return r && r.type === type ? { id: r.id, name: r.name, ownerId: r.ownerId } : undefined;
    },
    moveMany: (tx, tenantId, fromId, toId, ids, now) =>
      repo.moveResources(tx, tenantId, type, fromId, toId, ids, now),
    setOwner: async (tx, tenantId, id, ownerId, now) => {
      await repo.updateResource(tx, tenantId, id, { ownerId, updatedAt: now });
      // the owner has full access: a share of their own would only mislead
      await repo.deleteShare(tx, tenantId, id, ownerId);
    },
  };
}

registerOwnableKind(groups);
registerOwnableKind(licences);
registerOwnableKind(defaultMemberSlots);
registerOwnableKind(flowTemplates);
// reference 003 "Transferred Items": workflow ownership, job queue assignment, the People node
// config's user and device licences move in one-time transfers only; during a duration the
// recipient gets access to the workflows instead. Jobs move in both and stay with the recipient.
registerOwnableKind(
  integrationKind('workflow', 'Workflows', { oneTimeOnly: true, accessDuringDuration: 'edit' }),
);
registerOwnableKind(integrationKind('job', 'Jobs', { revertsAtDurationEnd: false }));
registerOwnableKind(integrationKind('job-queue', 'Job queues', { oneTimeOnly: true }));
registerOwnableKind(integrationKind('form', 'Forms'));
registerOwnableKind(integrationKind('node-config', 'Node configurations', { oneTimeOnly: true }));
registerOwnableKind(integrationKind('device-license', 'Device licences', { oneTimeOnly: true }));
