/** Attachments: files on tickets, visits and assets, in a pluggable store (disk or S3-compatible). */
import type { Core } from '../../kernel/core.js';
import { jobConnection } from '../../kernel/core.js';
import { RepeatingJob } from '../../kernel/jobs/repeating-job.js';
import { defineModule } from '../../kernel/module.js';
import type { AttachmentStore } from './attachment-store.js';
import { attachmentStoreOf } from './attachment-store.factory.js';
import { attachmentsMigration, attachmentsPricedMigration } from './attachments.migration.js';
import { attachmentsRoutes } from './attachments.routes.js';
import { AttachmentsService } from './attachments.service.js';

export interface AttachmentsDeps extends Core {
  /** Where files go; default: the one ATTACHMENTS_STORE names. */
  readonly attachmentStore?: AttachmentStore | undefined;
}

/** How often the worker removes the files of deleted attachments (cascades from their parents). */
const SWEEP_EVERY_MS = 60_000;

export const attachmentsModule = defineModule({
  name: 'attachments',
  migrations: [attachmentsMigration, attachmentsPricedMigration],
  build(deps: AttachmentsDeps) {
    const { config } = deps;
    const store = deps.attachmentStore ?? attachmentStoreOf(config);
    const attachments = new AttachmentsService(deps.db, store, { clock: deps.clock, maxImageEdge: config.ATTACHMENTS_MAX_IMAGE_EDGE, logger: deps.logger });
    const sweep = new RepeatingJob({
      ...jobConnection(deps),
      name: 'attachment-sweep',
      logger: deps.logger.child({ part: 'attachment-sweep' }),
      everyMs: SWEEP_EVERY_MS,
      run: () => attachments.sweep(),
    });
    return {
      exports: { attachments },
      routes: (app) => attachmentsRoutes(app, { attachments, maxBytes: config.ATTACHMENTS_MAX_BYTES }),
      tasks: [sweep],
      close: async () => store.close?.(),
    };
  },
});
