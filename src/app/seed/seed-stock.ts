/**
 * Parts and stock of the demo: a catalogue holding every SKU of the equipment models' fault
 * catalogues (list price by SKU family, cost, compatible models, reorder point and supplier),
 * the warehouses, one van per technician, and the opening stock received through the parts desk
 * (StockDeskService.receive: receipt movements in the ledger). Most parts are in stock somewhere,
 * vans carry the cheap repair kits of their technician's skills, a few parts sit below their reorder
 * point and a few are out everywhere — so availability, van stock, backorders and reorder
 * suggestions all show something.
 */
import type { Actor } from '../../access/audit/audit.service.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { Database } from '../../kernel/db/database.js';
import { settableClock } from '../../kernel/clock.js';
import { createLocationBody, createPartBody } from '../../service/stock/catalogue.schemas.js';
import { CatalogueService } from '../../service/stock/catalogue.service.js';
import { StockDeskService } from '../../service/stock/stock-desk.service.js';
import { receiptBody } from '../../service/stock/stock.schemas.js';
import { DEMO_SUPPLIERS, DEMO_WAREHOUSES, priceBandOf } from './demo-field.data.js';

/** One SKU of the fault catalogues, merged over every model and fault that lists it. */
export interface FaultPart {
  readonly sku: string;
  readonly description: string;
  /** Models whose fault catalogue lists it, sorted. */
  readonly models: readonly string[];
  /** Skills of the faults that need it. */
  readonly skills: readonly string[];
  /** The largest quantity one fault needs. */
  readonly quantity: number;
}

export interface StockTechnician {
  readonly id: string;
  readonly name: string;
  readonly skills: readonly string[];
  readonly home: { readonly label: string; readonly lat: number; readonly lon: number };
}

export interface StockSeedOptions {
  readonly db: Database;
  readonly models: ModelRegistry;
  readonly actor: Actor;
  /** When the catalogue was set up and the opening stock received (before the history). */
  readonly at: Date;
  readonly technicians: readonly StockTechnician[];
}

export interface StockSeedResult {
  readonly parts: number;
  readonly locations: number;
  /** List price per SKU (what visits charge for a part). */
  readonly prices: ReadonlyMap<string, number>;
}

/** Most SKUs carried on a van. */
const VAN_PARTS = 12;
/** Parts dearer than this stay in the warehouses. */
const VAN_MAX_PRICE = 150;
const LOCAL_MAX_PRICE = 300;

/** Every SKU in the fault catalogues of the loaded models, sorted by SKU. */
export function faultCatalogueParts(models: ModelRegistry): FaultPart[] {
  const bySku = new Map<string, { sku: string; description: string; models: Set<string>; skills: Set<string>; quantity: number }>();
  for (const model of [...models.list()].sort((a, b) => a.id.localeCompare(b.id))) {
    for (const fault of model.faults) {
      for (const part of fault.parts) {
        const entry = bySku.get(part.sku) ?? {
          sku: part.sku,
          description: part.description,
          models: new Set<string>(),
          skills: new Set<string>(),
          quantity: 0,
        };
        entry.models.add(model.id);
        entry.skills.add(fault.skill);
        entry.quantity = Math.max(entry.quantity, part.quantity);
        bySku.set(part.sku, entry);
      }
    }
  }
  return [...bySku.values()]
    .sort((a, b) => a.sku.localeCompare(b.sku))
    .map((e) => ({ sku: e.sku, description: e.description, models: [...e.models].sort(), skills: [...e.skills].sort(), quantity: e.quantity }));
}

/** A stable number in [0, 1) from a string (FNV-1a), so prices vary by SKU but never between runs. */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 4_294_967_296;
}

/** List price (±10 % around the family's, rounded to a whole euro from 100, else to 50 cents) and cost (60 %). */
export function pricing(sku: string): { price: number; cost: number; supplier: string; leadTimeDays: number; reorderPoint: number; reorderQuantity: number } {
  const band = priceBandOf(sku);
  const raw = band.price * (0.9 + 0.2 * unitHash(sku));
  const price = raw >= 100 ? Math.round(raw) : Math.max(0.5, Math.round(raw * 2) / 2);
  const cost = Math.round(price * 60) / 100;
  const [reorderPoint, reorderQuantity] = price < 60 ? [6, 12] : price < LOCAL_MAX_PRICE ? [3, 4] : [1, 1];
  return { price, cost, supplier: DEMO_SUPPLIERS[band.supplier], leadTimeDays: band.leadTimeDays, reorderPoint, reorderQuantity };
}

/** Where the i-th part (by SKU) is stocked: 'out' nowhere, 'short' below its reorder point centrally only, else normally. */
export function stockingOf(index: number): 'out' | 'short' | 'normal' {
  if (index % 12 === 11) return 'out';
  if (index % 7 === 3) return 'short';
  return 'normal';
}

/**
 * What a technician's van carries: the complete part kits of the faults of their skills whose
 * parts are all cheap and normally stocked, cheapest kit first, then single cheap parts of their
 * skills, up to VAN_PARTS SKUs; twice what one repair needs.
 */
export function vanLoad(models: ModelRegistry, skills: readonly string[], stocked: ReadonlySet<string>): Map<string, number> {
  const kits = [...models.list()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .flatMap((m) => m.faults)
    .filter((f) => skills.includes(f.skill) && f.parts.length > 0 && f.parts.every((p) => stocked.has(p.sku) && pricing(p.sku).price <= VAN_MAX_PRICE))
    .map((f) => ({ parts: f.parts, cost: f.parts.reduce((sum, p) => sum + p.quantity * pricing(p.sku).price, 0) }))
    .sort((a, b) => a.cost - b.cost);
  const load = new Map<string, number>();
  for (const kit of kits) {
    const fresh = kit.parts.filter((p) => !load.has(p.sku)).length;
    if (load.size + fresh > VAN_PARTS) continue;
    for (const p of kit.parts) load.set(p.sku, Math.max(load.get(p.sku) ?? 0, 2 * p.quantity));
  }
  const singles = faultCatalogueParts(models)
    .filter((p) => !load.has(p.sku) && p.skills.some((s) => skills.includes(s)) && stocked.has(p.sku) && pricing(p.sku).price <= VAN_MAX_PRICE)
    .sort((a, b) => pricing(a.sku).price - pricing(b.sku).price || a.sku.localeCompare(b.sku));
  for (const p of singles.slice(0, Math.max(0, VAN_PARTS - load.size))) load.set(p.sku, 2 * p.quantity);
  return load;
}

export async function seedStock(options: StockSeedOptions): Promise<StockSeedResult> {
  const { db, actor } = options;
  const clock = settableClock(options.at);
  const catalogue = new CatalogueService(db, clock);
  const desk = new StockDeskService(db, clock);
  const parts = faultCatalogueParts(options.models);
  const prices = new Map<string, number>();

  for (const part of parts) {
    const p = pricing(part.sku);
    prices.set(part.sku, p.price);
    await catalogue.createPart(
      createPartBody.parse({
        sku: part.sku,
        description: part.description,
        unitPrice: p.price,
        unitCost: p.cost,
        compatibleModels: part.models,
        reorderPoint: p.reorderPoint,
        reorderQuantity: p.reorderQuantity,
        supplier: p.supplier,
        leadTimeDays: p.leadTimeDays,
      }),
      actor,
    );
  }

  // ---- locations ------------------------------------------------------------------------------
  const warehouses = new Map<string, string>();
  for (const w of DEMO_WAREHOUSES) {
    const location = await catalogue.createLocation(
      createLocationBody.parse({ code: w.code, name: w.name, kind: w.kind, address: w.address, latitude: w.latitude, longitude: w.longitude }),
      actor,
    );
    warehouses.set(w.code, location.id);
  }
  const vans: { id: string; tech: StockTechnician }[] = [];
  for (const [i, tech] of options.technicians.entries()) {
    const location = await catalogue.createLocation(
      createLocationBody.parse({
        code: `VAN-${String(i + 1).padStart(2, '0')}`,
        name: `Van ${tech.name}`,
        kind: 'van',
        technicianId: tech.id,
        address: tech.home.label,
        latitude: tech.home.lat,
        longitude: tech.home.lon,
      }),
      actor,
    );
    vans.push({ id: location.id, tech });
  }

  // ---- opening stock ----------------------------------------------------------------------------
  const lines = new Map<string, { sku: string; quantity: number }[]>();
  const put = (locationId: string | undefined, sku: string, quantity: number) => {
    if (!locationId || quantity <= 0) return;
    lines.set(locationId, [...(lines.get(locationId) ?? []), { sku, quantity }]);
  };
  const central = warehouses.get(DEMO_WAREHOUSES.find((w) => w.kind === 'central')!.code);
  const locals = DEMO_WAREHOUSES.filter((w) => w.kind === 'local').map((w) => warehouses.get(w.code));
  const normal = new Set<string>();
  for (const [i, part] of parts.entries()) {
    const p = pricing(part.sku);
    const stocking = stockingOf(i);
    if (stocking === 'out') continue;
    if (stocking === 'short') {
      put(central, part.sku, p.reorderPoint - 1);
      continue;
    }
    normal.add(part.sku);
    put(central, part.sku, 2 * p.reorderPoint + 2 + part.quantity);
    // The k-th local warehouse holds every (k + 2)-th of the cheaper parts: some parts in both, some in one.
    if (p.price < LOCAL_MAX_PRICE) for (const [k, id] of locals.entries()) if ((i + k) % (k + 2) === 0) put(id, part.sku, p.reorderPoint);
  }
  for (const van of vans) for (const [sku, quantity] of vanLoad(options.models, van.tech.skills, normal)) put(van.id, sku, quantity);
  for (const [locationId, items] of lines) {
    await desk.receive(receiptBody.parse({ locationId, reference: 'Opening stock (demo)', lines: items }), actor);
  }
  return { parts: parts.length, locations: warehouses.size + vans.length, prices };
}
