import type { RouteModule } from '../platform/http/http.types.js';

export const reportsRoutes: RouteModule = async () => {};
