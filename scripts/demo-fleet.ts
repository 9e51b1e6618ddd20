/**
 * Provisions the demo company through the public API — customers, sites, assets of every
 * equipment model and their devices — and writes the device credentials for the simulator.
 * Re-running reuses the fleet file when its devices are still active.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

export interface FleetDevice {
  deviceId: string;
  token: string;
  modelId: string;
  assetId: string;
}

interface Options {
  api: string;
  adminToken: string;
  devices: number;
  fleetFile: string;
  log: (msg: string) => void;
}

const CUSTOMERS = [
  { name: 'Nordhafen Cold Storage GmbH', city: 'Hamburg', country: 'DE', lat: 53.5461, lon: 9.9661 },
  { name: 'Brasserie du Lac SA', city: 'Lausanne', country: 'CH', lat: 46.5197, lon: 6.6323 },
  { name: 'Ospedale San Marco', city: 'Milano', country: 'IT', lat: 45.4642, lon: 9.19 },
  { name: 'Vitrum Glassworks', city: 'Wrocław', country: 'PL', lat: 51.1079, lon: 17.0385 },
  { name: 'Aqua Municipal Utilities', city: 'Utrecht', country: 'NL', lat: 52.0907, lon: 5.1214 },
  { name: 'Alpine Data Center AG', city: 'Zürich', country: 'CH', lat: 47.3769, lon: 8.5417 },
  { name: 'Fromagerie Belcastel', city: 'Lyon', country: 'FR', lat: 45.764, lon: 4.8357 },
  { name: 'Kattegat Fish Processing', city: 'Aarhus', country: 'DK', lat: 56.1629, lon: 10.2039 },
  { name: 'Hotel Miramar Group', city: 'Valencia', country: 'ES', lat: 39.4699, lon: -0.3763 },
  { name: 'Danube Pharma Kft.', city: 'Budapest', country: 'HU', lat: 47.4979, lon: 19.0402 },
];

export async function provisionDemoFleet(options: Options): Promise<FleetDevice[]> {
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${options.api}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${options.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  if (existsSync(options.fleetFile)) {
    const fleet = JSON.parse(await readFile(options.fleetFile, 'utf8')) as FleetDevice[];
    const first = fleet[0];
    if (fleet.length >= options.devices && first) {
      const status = await call<{ status: string }>('GET', `/devices/${first.deviceId}`).catch(() => undefined);
      if (status?.status === 'active') {
        options.log('reusing the demo company provisioned earlier');
        return fleet;
      }
    }
  }

  const models = await call<{ id: string }[] | { items: { id: string }[] }>('GET', '/models');
  const modelIds = (Array.isArray(models) ? models : models.items).map((m) => m.id);
  options.log(`provisioning a demo company: ${CUSTOMERS.length} customers, ${options.devices} connected assets of ${modelIds.length} models`);
  const run = Date.now().toString(36);
  const sites: string[] = [];
  for (const [i, c] of CUSTOMERS.entries()) {
    const customer = await call<{ id: string }>('POST', '/customers', { name: c.name, code: `C${String(i + 1).padStart(3, '0')}-${run}` });
    for (const label of ['Main plant', 'Warehouse']) {
      const site = await call<{ id: string }>('POST', '/sites', {
        customerId: customer.id,
        name: `${c.name.split(' ')[0]} ${label}`,
        city: c.city,
        country: c.country,
        latitude: c.lat + (label === 'Warehouse' ? 0.02 : 0),
        longitude: c.lon + (label === 'Warehouse' ? 0.03 : 0),
      });
      sites.push(site.id);
    }
  }
  const fleet: FleetDevice[] = [];
  for (let i = 0; i < options.devices; i++) {
    const modelId = modelIds[i % modelIds.length]!;
    const installed = new Date(Date.UTC(2019 + (i % 6), i % 12, 1 + (i % 27)));
    const asset = await call<{ id: string }>('POST', '/assets', {
      siteId: sites[i % sites.length],
      modelId,
      serialNumber: `${modelId.toUpperCase().slice(0, 6)}-${run}-${String(i + 1).padStart(4, '0')}`,
      name: `${modelId} #${i + 1}`,
      installDate: installed.toISOString().slice(0, 10),
      warrantyEnd: new Date(installed.getTime() + 2 * 365 * 86_400_000).toISOString().slice(0, 10),
    });
    const device = await call<{ deviceId: string; token: string }>('POST', `/assets/${asset.id}/device`);
    fleet.push({ deviceId: device.deviceId, token: device.token, modelId, assetId: asset.id });
    if ((i + 1) % 10 === 0) options.log(`  ${i + 1}/${options.devices} assets provisioned`);
  }
  await writeFile(options.fleetFile, JSON.stringify(fleet, null, 2), { mode: 0o600 });
  return fleet;
}
