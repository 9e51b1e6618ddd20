/**
 * The console's settings from the server (GET /console/config.json, public, no secrets): the
 * map's tile source (CONSOLE_MAP_TILES, OpenStreetMap by default) and Grafana's base URL
 * (GRAFANA_URL), from which an asset's dashboard is /d/telemend-asset-<model>?var-asset=<id>.
 */
export interface ConsoleSettings {
  mapTiles: string;
  mapAttribution: string;
  grafanaUrl: string | null;
}

const DEFAULTS: ConsoleSettings = {
  mapTiles: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
  mapAttribution: '© OpenStreetMap contributors',
  grafanaUrl: null,
};
let settings: ConsoleSettings = DEFAULTS;
let pending: Promise<ConsoleSettings> | null = null;

export function loadSettings(): Promise<ConsoleSettings> {
  pending ??= fetch('/console/config.json', { cache: 'no-cache' })
    .then(async (res) => (res.ok ? ((await res.json()) as ConsoleSettings) : DEFAULTS))
    .catch(() => DEFAULTS)
    .then((value) => (settings = { ...DEFAULTS, ...value }));
  return pending;
}

export const currentSettings = (): ConsoleSettings => settings;

/** The asset's Grafana dashboard, or null when GRAFANA_URL is not set. */
export function grafanaUrl(asset: { id: string; modelId: string }): string | null {
  if (!settings.grafanaUrl) return null;
  const base = settings.grafanaUrl.replace(/\/+$/, '');
  return `${base}/d/telemend-asset-${encodeURIComponent(asset.modelId)}?var-asset=${encodeURIComponent(asset.id)}`;
}
