/** Users: staff and customer accounts (admin-managed). 0002 also creates api_keys, audit_log and idempotency_keys. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { usersMigration } from './users.migration.js';
import { usersRoutes } from './users.routes.js';
import { UsersService } from './users.service.js';

export const usersModule = defineModule({
  name: 'users',
  migrations: [usersMigration],
  build({ db }: Pick<Core, 'db'>) {
    const users = new UsersService(db);
    return { exports: { users }, routes: (app) => usersRoutes(app, { users }) };
  },
});
