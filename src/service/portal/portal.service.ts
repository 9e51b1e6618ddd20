/**
 * What the customer portal reads and writes beyond the shared API, always for the caller's own
 * customer: sites and equipment with their state, a ticket's visits with the technician's first
 * name only, the customer's notes on a ticket (activities staff see), and the contacts with the
 * part of their notification preferences a customer may change (on or off, which events; the
 * channels and addresses stay as staff set them). Another customer's record is NOT_FOUND.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Caller } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { PortalRepository } from './portal.repository.js';
import type { PortalContact, PortalNote, PortalPreferences, PortalVisit } from './portal.schemas.js';

export class PortalService {
  private readonly repo = new PortalRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly notifications: NotificationsService,
  ) {}

  sites(caller: Caller) {
    return this.repo.sites(this.db, customerOf(caller));
  }

  assets(caller: Caller) {
    return this.repo.assets(this.db, customerOf(caller));
  }

  async visits(ticketId: string, caller: Caller): Promise<PortalVisit[]> {
    await this.ticket(ticketId, caller);
    return this.repo.visits(this.db, ticketId);
  }

  async notes(ticketId: string, caller: Caller): Promise<PortalNote[]> {
    await this.ticket(ticketId, caller);
    return this.repo.notes(this.db, customerOf(caller), ticketId);
  }

  async addNote(ticketId: string, text: string, caller: Caller): Promise<PortalNote> {
    const customerId = customerOf(caller);
    if (!caller.userId) throw new AppError('FORBIDDEN', 'Only a signed-in customer user writes notes');
    const userId = caller.userId;
    const id = await this.db.transaction(async (tx) => {
      if (!(await this.repo.ownTicket(tx, customerId, ticketId))) throw notFound('ticket', ticketId);
      const noteId = await this.repo.addNote(tx, { customerId, ticketId, text, userId, at: this.clock.now() });
      await recordAudit(tx, caller.actor, { entity: 'activity', entityId: noteId, action: 'create', changes: { ticketId, kind: 'note', body: text } });
      return noteId;
    });
    return (await this.repo.notes(this.db, customerId, ticketId)).find((n) => n.id === id)!;
  }

  contacts(caller: Caller): Promise<PortalContact[]> {
    return this.repo.contacts(this.db, customerOf(caller));
  }

  async setPreferences(contactId: string, input: PortalPreferences, caller: Caller): Promise<PortalContact> {
    const customerId = customerOf(caller);
    // getPreferences is scoped: another customer's contact is NOT_FOUND.
    const current = await this.notifications.getPreferences(contactId, { customerId });
    await this.notifications.putPreferences(
      contactId,
      {
        enabled: input.enabled,
        events: input.events,
        channels: current.channels.length > 0 ? current.channels : ['email'],
        emailAddress: current.emailAddress,
        webhookUrl: current.webhookUrl,
        timeZone: current.timeZone,
      },
      caller.actor,
    );
    return (await this.repo.contacts(this.db, customerId)).find((c) => c.id === contactId)!;
  }

  private async ticket(ticketId: string, caller: Caller): Promise<void> {
    if (!(await this.repo.ownTicket(this.db, customerOf(caller), ticketId))) throw notFound('ticket', ticketId);
  }
}

function customerOf(caller: Caller): string {
  if (!caller.customerId) throw new AppError('FORBIDDEN', 'The portal is for customer users');
  return caller.customerId;
}
