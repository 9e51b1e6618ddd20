/** Technicians: profiles, skills, working hours and absences, vans, their mobile app's location and MQTT token. */
import type { Core } from '../../kernel/core.js';
import { egressPolicyOf } from '../../kernel/egress/egress-policy.js';
import { defineModule } from '../../kernel/module.js';
import type { RejectionLog } from '../../telemetry/ingest/rejection-log.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { TechnicianLocationService } from './technician-location.service.js';
import { techniciansMigration } from './technicians.migration.js';
import { techniciansRoutes } from './technicians.routes.js';
import { TechniciansService } from './technicians.service.js';

export interface TechniciansDeps extends Pick<Core, 'db' | 'clock' | 'config'> {
  readonly tickets: TicketsService;
  readonly notifier?: NotifierPort | undefined;
  /** Refused location messages of the apps are counted here. */
  readonly rejections?: RejectionLog | undefined;
  readonly mqttSessions?: { revoke(clientId: string): void } | undefined;
}

export const techniciansModule = defineModule({
  name: 'technicians',
  migrations: [techniciansMigration],
  build({ db, clock, config, tickets, notifier, rejections, mqttSessions }: TechniciansDeps) {
    const technicians = new TechniciansService(db, { clock, notifier, tickets });
    const locations = new TechnicianLocationService(db, { clock, ...(rejections ? { rejections } : {}) });
    return {
      exports: { technicians, locations },
      routes: (app) => techniciansRoutes(app, { technicians, locations, egress: egressPolicyOf(config), mqttSessions }),
    };
  },
});
