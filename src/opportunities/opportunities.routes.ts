import type { RouteModule } from '../platform/http/http.types.js';

export const opportunitiesRoutes: RouteModule = async () => {};
