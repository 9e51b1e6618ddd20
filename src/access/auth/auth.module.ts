/**
 * Auth: sign-in (with its login limits), sign-out, "who am I", and the admin's API keys. The
 * API keys service is exported: the authenticator (src/app/http-app.ts) checks keys through it.
 */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { UsersService } from '../users/users.service.js';
import { apiKeysRoutes } from './api-keys.routes.js';
import { ApiKeysService } from './api-keys.service.js';
import { authMigration } from './auth.migration.js';
import { authRoutes } from './auth.routes.js';
import { LoginLimiter, type LoginLimits } from './login-limiter.js';

export interface AuthDeps extends Pick<Core, 'db' | 'config' | 'redis' | 'prefix'> {
  readonly users: UsersService;
}

export const authModule = defineModule({
  name: 'auth',
  migrations: [authMigration],
  build(deps: AuthDeps) {
    const { db, config } = deps;
    const apiKeys = new ApiKeysService(db);
    const limits: LoginLimits = {
      perIpAndAccountPerMinute: config.TELEMEND_LOGIN_ATTEMPTS_PER_MINUTE,
      perIpPerMinute: config.TELEMEND_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
      perAccountPerHour: config.TELEMEND_LOGIN_ATTEMPTS_PER_ACCOUNT_PER_HOUR,
      concurrentHashes: config.TELEMEND_LOGIN_CONCURRENT_HASHES,
    };
    const limiter = new LoginLimiter({ redis: deps.redis, prefix: deps.prefix, ...limits });
    return {
      exports: { apiKeys },
      routes: async (app) => {
        await authRoutes(app, { db, users: deps.users, limiter, limits, tokenTtlSeconds: config.TELEMEND_TOKEN_TTL_SECONDS });
        await apiKeysRoutes(app, { apiKeys });
      },
    };
  },
});
