/** /portal — the customer portal (#18). For now: its sign-in, for customer users. */
import '../shared/wa';
import '../shared/base.css';
import { startPlaceholder } from '../shared/placeholder';

startPlaceholder({
  ui: 'portal',
  area: 'Customer portal',
  intro: 'Use the account your service provider invited you with.',
  roles: ['customer'],
  coming: [
    'Raise a service request for a site or an asset, with photos',
    'Follow every ticket: status, the scheduled visit and its live ETA, service reports',
    'Approve quotes, download invoices, see contracts and equipment state',
    "Manage your company's users and notification preferences",
  ],
});
