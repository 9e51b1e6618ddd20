/** /desk — the front desk and back office (#18). For now: its sign-in, for agents, dispatchers and admins. */
import '../shared/wa';
import '../shared/base.css';
import { startPlaceholder } from '../shared/placeholder';

startPlaceholder({
  ui: 'desk',
  area: 'Front desk',
  intro: 'Use your agent, dispatcher or admin account.',
  roles: ['agent', 'dispatcher', 'admin'],
  coming: [
    'Phone intake: one search box, the customer 360 and a new ticket in under a minute',
    'Follow-up tasks and reminders, handed to a substitute during absences',
    'Quotes, contracts, stock, invoices, knowledge base and reports',
    'Work orders, quotes, invoices and acts of services rendered as PDF',
  ],
});
