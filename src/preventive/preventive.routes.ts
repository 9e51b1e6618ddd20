import type { RouteModule } from '../platform/http/http.types.js';

export const preventiveRoutes: RouteModule = async () => {};
