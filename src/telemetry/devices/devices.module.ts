/**
 * Devices: provisioning, token rotation and revocation, status and presence. DevicesService is
 * built with the process's infrastructure (the broker authenticates with it and records presence
 * before any module exists), so this module takes it and registers its routes.
 */
import { defineModule } from '../../kernel/module.js';
import { devicesRoutes } from './devices.routes.js';
import type { DevicesService } from './devices.service.js';

export interface DevicesDeps {
  readonly devices: DevicesService;
}

export const devicesModule = defineModule({
  name: 'devices',
  build({ devices }: DevicesDeps) {
    return {
      exports: { devices },
      routes: (app) => devicesRoutes(app, { devices }),
    };
  },
});
