/**
 * Follow-ups of the desk: tasks with a due time, an owner and a reminder (a background task), and
 * absences of any user with a substitute who holds the absent user's tasks meanwhile.
 */
import { jobConnection, type Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { TechniciansService } from '../technicians/technicians.service.js';
import { TaskRemindersService } from './task-reminders.service.js';
import { taskRemindersTask } from './task-reminders.task.js';
import { tasksMigration } from './tasks.migration.js';
import { tasksRoutes } from './tasks.routes.js';
import { TasksService } from './tasks.service.js';
import { userAbsencesRoutes } from './user-absences.routes.js';
import { UserAbsencesService } from './user-absences.service.js';

export interface TasksDeps extends Core {
  /** A technician's absence is recorded through it (it also moves their planned visits). */
  readonly technicians: Pick<TechniciansService, 'addAbsence'>;
}

export const tasksModule = defineModule({
  name: 'tasks',
  migrations: [tasksMigration],
  build(deps: TasksDeps) {
    const { db, clock, config, logger } = deps;
    const tasks = new TasksService(db, clock, { leadMinutes: config.TASK_REMINDER_LEAD_MINUTES });
    const reminders = new TaskRemindersService(db, clock, { redis: deps.redis, prefix: config.REDIS_PREFIX, logger });
    const absences = new UserAbsencesService(db, clock, deps.technicians);
    return {
      exports: { tasks, absences },
      routes: async (app) => {
        await tasksRoutes(app, { tasks, reminders, stream: { redis: deps.redis, config, logger } });
        await userAbsencesRoutes(app, { absences });
      },
      tasks: [taskRemindersTask({ ...jobConnection(deps), reminders, everyMs: config.TASK_REMINDER_INTERVAL_MS })],
    };
  },
});
