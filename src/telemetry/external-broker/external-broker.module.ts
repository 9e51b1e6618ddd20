/**
 * An external MQTT broker (EMQX, VerneMQ) asking Telemend over HTTP whether a client may connect,
 * publish or subscribe. The hooks exist only with MQTT_AUTH_HOOK_SECRET (absent: no routes, 404).
 * The broker role's subscription to the external broker (ExternalIngest) is started by that role.
 */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { DevicesService } from '../devices/devices.service.js';
import { brokerHooksRoutes } from './broker-hooks.routes.js';
import { BrokerHooksService } from './broker-hooks.service.js';

export interface ExternalBrokerDeps extends Pick<Core, 'config'> {
  readonly devices: DevicesService;
}

export const externalBrokerModule = defineModule({
  name: 'external-broker',
  build({ config, devices }: ExternalBrokerDeps) {
    const secret = config.MQTT_AUTH_HOOK_SECRET;
    if (!secret) return { exports: {} };
    const hooks = new BrokerHooksService({
      devices,
      ingestUsername: config.MQTT_EXTERNAL_USERNAME,
      ingestPassword: config.MQTT_EXTERNAL_PASSWORD,
      shareGroup: config.MQTT_EXTERNAL_SHARE_GROUP,
    });
    return { exports: {}, routes: (app) => brokerHooksRoutes(app, { hooks, secret }) };
  },
});
