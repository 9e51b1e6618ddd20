/** Accounts: customer admins managing their own users, invitations and password resets by e-mail. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { LoginLimiter } from '../auth/login-limiter.js';
import { accountsMigration } from './accounts.migration.js';
import { accountsRoutes } from './accounts.routes.js';
import { AccountsService } from './accounts.service.js';

export const accountsModule = defineModule({
  name: 'accounts',
  migrations: [accountsMigration],
  build(deps: Pick<Core, 'db' | 'config' | 'clock' | 'redis' | 'prefix'>) {
    const { config } = deps;
    const inviteTtlHours = config.PORTAL_INVITE_TTL_HOURS;
    const resetTtlMinutes = config.PASSWORD_RESET_TTL_MINUTES;
    const accounts = new AccountsService(deps.db, { clock: deps.clock, publicUrl: config.PUBLIC_URL, inviteTtlHours, resetTtlMinutes });
    const limiter = new LoginLimiter({
      redis: deps.redis,
      prefix: `${deps.prefix}:password-reset`,
      perIpAndAccountPerMinute: config.TELEMEND_LOGIN_ATTEMPTS_PER_MINUTE,
      perIpPerMinute: config.TELEMEND_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
      perAccountPerHour: config.TELEMEND_LOGIN_ATTEMPTS_PER_ACCOUNT_PER_HOUR,
      concurrentHashes: config.TELEMEND_LOGIN_CONCURRENT_HASHES,
    });
    return { exports: { accounts }, routes: (app) => accountsRoutes(app, { accounts, limiter, inviteTtlHours, resetTtlMinutes }) };
  },
});
