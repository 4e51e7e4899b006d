import type { Tx } from '../../platform/db.ts';

/**
 * Everything in a tenant that has one owner (rule 17) is an ownable kind: Rollcall's own (groups,
 * default-group-member slots, licence seats, flow templates) and the resource types integrations
 * register (workflows, jobs, forms, …). Transfers, removals, the Resources page and "change owner"
 * work through this one interface, so a module adds a kind by one `registerOwnableKind` call in
 * one file and every transfer moves it from then on.
 */
export interface OwnedItem {
  id: string;
  name: string;
}

export interface OwnedListFilter {
  q?: string;
  ownerId?: string;
  /** Keyset: the name and id of the last item of the page before. */
  after?: { name: string; id: string } | null;
  limit: number;
}

export interface OwnableKind {
  /** Stable key, `snake_case` for Rollcall's own, the registered type (`workflow`) for integrations'. */
  type: string;
  /** Plural, for lists and previews ("Groups", "Workflows"). */
  label: string;
  /**
   * A duration transfer moves it back to the user at the end. False for jobs: they stay with the
   * recipient (reference 003, "Transferring Ownerships").
   */
  revertsAtDurationEnd: boolean;
  /**
   * Moves in one-time transfers and removals only; a duration transfer leaves it with the user
   * (reference 003, "Transferred Items": workflow ownership, default group membership, people
   * licences, …). Default false.
   */
  oneTimeOnly?: boolean;
  /**
   * A removal without a recipient frees it rather than needing someone to take it (licence seats);
   * any other kind the user owns makes a recipient required (rule 19). Default false.
   */
  freedOnRemoval?: boolean;
  /**
   * The recipient already holds an item like `id` (a licence seat of that type): moving it to them
   * frees the user's item instead, and previews say so. Without it, items always move.
   */
  heldByRecipient?(tx: Tx, tenantId: string, id: string, recipientId: string): Promise<boolean>;
  /** What `userId` owns of this kind now. */
  listOwnedBy(tx: Tx, tenantId: string, userId: string): Promise<OwnedItem[]>;
  /** Makes `ownerId` the owner of `id` (it was `previousOwnerId`'s). Runs in the caller's transaction. */
  setOwner(
    tx: Tx,
    tenantId: string,
    id: string,
    ownerId: string,
    now: Date,
    previousOwnerId: string,
  ): Promise<void>;
  /**
   * Optional, for kinds with many items per user (jobs): moves, in one statement, the items of
   * `ids` (or all of them) that `fromId` owns now to `toId`, and answers which moved. Without it,
   * transfers call `listOwnedBy` and `setOwner` item by item.
   */
  moveMany?(
    tx: Tx,
    tenantId: string,
    fromId: string,
    toId: string,
    ids: readonly string[] | 'all',
    now: Date,
  ): Promise<OwnedItem[]>;
  /**
   * Every item with its owner, and one item by id (UUIDs): together they put the kind on the
   * Resources page with a change-owner action. Kinds without them are listed per user only.
   */
  listAll?(
    tx: Tx,
    tenantId: string,
    filter: OwnedListFilter,
  ): Promise<Array<OwnedItem & { ownerId: string }>>;
  findOwned?(tx: Tx, tenantId: string, id: string): Promise<(OwnedItem & { ownerId: string }) | undefined>;
  /** Refuses an owner who cannot hold the item (e.g. rule 7: a default group member needs a licence). */
  checkOwner?(tx: Tx, tenantId: string, id: string, ownerId: string): Promise<void>;
}

/** Kinds whose items integrations register through the API (`POST …/resources`); their owner changes are announced by webhook. */
export interface IntegrationKind extends OwnableKind {
  integration: true;
  /** During a duration transfer (which leaves the item with the user) the recipient gets this access to it. */
  accessDuringDuration?: 'view' | 'edit';
}

const kinds = new Map<string, OwnableKind>();

/** Adds a kind; registering the same type again replaces it (modules are loaded once, tests may reload). */
export function registerOwnableKind(kind: OwnableKind): void {
  kinds.set(kind.type, kind);
}

/** In registration order, which is the order a transfer moves them in (a licence before the slot that needs it). */
export function ownableKinds(): OwnableKind[] {
  return [...kinds.values()];
}

export function ownableKind(type: string): OwnableKind | undefined {
  return kinds.get(type);
}

export const isIntegrationKind = (kind: OwnableKind | undefined): kind is IntegrationKind =>
  (kind as IntegrationKind | undefined)?.integration === true;

export function integrationKinds(): IntegrationKind[] {
  return ownableKinds().filter(isIntegrationKind);
}
