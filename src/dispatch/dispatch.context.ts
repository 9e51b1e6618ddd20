/**
 * Reads the notifier from the application context. AppContext has no `notifier` field yet; the
 * platform adds one when it wires the notification outbox (then this keeps working unchanged).
 */
import type { NotifierPort } from '../notifications/notification.port.js';

export function notifierOf(ctx: object): NotifierPort | undefined {
  return (ctx as { notifier?: NotifierPort }).notifier;
}
