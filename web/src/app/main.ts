/** /app — the technician's progressive web app (#17). For now: its sign-in, for technicians. */
import '../shared/wa';
import '../shared/base.css';
import { startPlaceholder } from '../shared/placeholder';

startPlaceholder({
  ui: 'app',
  area: 'Technician app',
  intro: 'Use your technician account.',
  roles: ['technician'],
  coming: [
    "Today's and upcoming visits, in order, with navigation to the site",
    'Diagnosis, reserved parts, asset history and the knowledge article',
    'En route, arrival, labour, parts used, checklist, photos, outcome and signature',
    'Works offline and syncs when the network returns; push notifications',
  ],
});
