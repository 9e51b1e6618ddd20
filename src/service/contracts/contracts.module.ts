/** Contracts: service contracts of customers, their coverage and ledger (tables from 0003, tickets module). */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { contractsRoutes } from './contracts.routes.js';
import { ContractsService } from './contracts.service.js';

export const contractsModule = defineModule({
  name: 'contracts',
  build({ db, clock }: Pick<Core, 'db' | 'clock'>) {
    const contracts = new ContractsService(db, clock);
    return { exports: { contracts }, routes: (app) => contractsRoutes(app, { contracts }) };
  },
});
