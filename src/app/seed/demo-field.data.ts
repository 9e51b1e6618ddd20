/**
 * Fixed data of the demo company's field operations: the warehouses, list prices of the spare
 * parts by SKU family and their suppliers, labour rates per skill, and the preventive
 * maintenance templates per equipment model. Only data; src/app/seed/seed-stock.ts and
 * src/app/seed/seed-field.ts load it. The parts themselves come from the models' fault catalogues.
 */

export interface DemoWarehouse {
  readonly code: string;
  readonly name: string;
  readonly kind: 'central' | 'local';
  readonly address: string;
  readonly latitude: number;
  readonly longitude: number;
}

/** One central warehouse in the middle of the territory and two local ones near the southern customers. */
export const DEMO_WAREHOUSES: readonly DemoWarehouse[] = [
  {
    code: 'WH-CENTRAL',
    name: 'Zentrallager Frankfurt',
    kind: 'central',
    address: 'Hanauer Landstraße 300, 60314 Frankfurt am Main, DE',
    latitude: 50.1143,
    longitude: 8.7311,
  },
  { code: 'WH-MILANO', name: 'Magazzino Milano Nord', kind: 'local', address: 'Viale Monza 265, 20126 Milano, IT', latitude: 45.5155, longitude: 9.2244 },
  { code: 'WH-WIEN', name: 'Lager Wien Floridsdorf', kind: 'local', address: 'Shuttleworthstraße 8, 1210 Wien, AT', latitude: 48.2826, longitude: 16.4208 },
];

export const DEMO_SUPPLIERS = {
  refrigeration: 'Frigotec Kältetechnik GmbH',
  combustion: 'Brenner & Co. Heiztechnik KG',
  mechanical: 'Lagerwelt Industriebedarf GmbH',
  electrical: 'Elektro-Großhandel Rhein GmbH',
} as const;

export interface PriceBand {
  /** SKU prefix; the longest matching prefix wins. */
  readonly prefix: string;
  /** List price in EUR per unit. */
  readonly price: number;
  readonly supplier: keyof typeof DEMO_SUPPLIERS;
  readonly leadTimeDays: number;
}

/** List prices by SKU family (EUR). A SKU matching none gets FALLBACK_PRICE_BAND. */
export const PRICE_BANDS: readonly PriceBand[] = [
  { prefix: 'CMP-', price: 3450, supplier: 'refrigeration', leadTimeDays: 14 },
  { prefix: 'REF-', price: 310, supplier: 'refrigeration', leadTimeDays: 3 },
  { prefix: 'FD-', price: 58, supplier: 'refrigeration', leadTimeDays: 3 },
  { prefix: 'OIL-POE-', price: 38, supplier: 'refrigeration', leadTimeDays: 3 },
  { prefix: 'BRZ-', price: 215, supplier: 'refrigeration', leadTimeDays: 5 },
  { prefix: 'FIN-', price: 39, supplier: 'refrigeration', leadTimeDays: 5 },
  { prefix: 'LEAK-', price: 14, supplier: 'refrigeration', leadTimeDays: 2 },
  { prefix: 'CHM-COIL-', price: 46, supplier: 'refrigeration', leadTimeDays: 3 },
  { prefix: 'ELC-', price: 52, supplier: 'combustion', leadTimeDays: 4 },
  { prefix: 'IGN-', price: 185, supplier: 'combustion', leadTimeDays: 6 },
  { prefix: 'GOV-', price: 265, supplier: 'combustion', leadTimeDays: 7 },
  { prefix: 'TRP-', price: 74, supplier: 'combustion', leadTimeDays: 4 },
  { prefix: 'CHM-HX-', price: 58, supplier: 'combustion', leadTimeDays: 3 },
  { prefix: 'FLT-GAS-', price: 26, supplier: 'combustion', leadTimeDays: 4 },
  { prefix: 'PRV-', price: 68, supplier: 'combustion', leadTimeDays: 4 },
  { prefix: 'INH-', price: 32, supplier: 'combustion', leadTimeDays: 3 },
  { prefix: 'WSH-', price: 22, supplier: 'combustion', leadTimeDays: 3 },
  { prefix: 'PMP-', price: 640, supplier: 'combustion', leadTimeDays: 8 },
  { prefix: 'GSK-GB120-', price: 48, supplier: 'combustion', leadTimeDays: 4 },
  { prefix: 'BRG-', price: 110, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'SEAL-', price: 395, supplier: 'mechanical', leadTimeDays: 7 },
  { prefix: 'LSL-', price: 9, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'GRS-', price: 16, supplier: 'mechanical', leadTimeDays: 2 },
  { prefix: 'IMP-', price: 1180, supplier: 'mechanical', leadTimeDays: 21 },
  { prefix: 'WR-', price: 145, supplier: 'mechanical', leadTimeDays: 10 },
  { prefix: 'ORK-', price: 18, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'ORG-', price: 6, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'GSK-', price: 24, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'STR-', price: 88, supplier: 'mechanical', leadTimeDays: 5 },
  { prefix: 'CPL-ELEM-', price: 135, supplier: 'mechanical', leadTimeDays: 5 },
  { prefix: 'CPL-', price: 28, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'OFE-', price: 62, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'OIL-', price: 240, supplier: 'mechanical', leadTimeDays: 4 },
  { prefix: 'TV-', price: 96, supplier: 'mechanical', leadTimeDays: 5 },
  { prefix: 'FLT-', price: 34, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'QC-', price: 58, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'CHM-', price: 41, supplier: 'mechanical', leadTimeDays: 3 },
  { prefix: 'CNT-', price: 165, supplier: 'electrical', leadTimeDays: 2 },
  { prefix: 'OLR-', price: 118, supplier: 'electrical', leadTimeDays: 2 },
  { prefix: 'FUSE-63', price: 46, supplier: 'electrical', leadTimeDays: 2 },
  { prefix: 'FUSE-', price: 4, supplier: 'electrical', leadTimeDays: 2 },
  { prefix: 'FAN-EC-', price: 890, supplier: 'electrical', leadTimeDays: 10 },
  { prefix: 'FAN-', price: 145, supplier: 'electrical', leadTimeDays: 5 },
];

export const FALLBACK_PRICE_BAND: PriceBand = { prefix: '', price: 50, supplier: 'mechanical', leadTimeDays: 5 };

/** The price band of a SKU: the longest matching prefix. */
export function priceBandOf(sku: string): PriceBand {
  let best = FALLBACK_PRICE_BAND;
  for (const band of PRICE_BANDS) if (sku.startsWith(band.prefix) && band.prefix.length > best.prefix.length) best = band;
  return best;
}

/** Hourly labour rates (EUR) per skill; '*' is every other skill (and labour without one). */
export const DEMO_LABOUR_RATES: readonly { skill: string; hourlyRate: number; overtimeMultiplier: number }[] = [
  { skill: '*', hourlyRate: 85, overtimeMultiplier: 1.5 },
  { skill: 'refrigeration', hourlyRate: 98, overtimeMultiplier: 1.5 },
  { skill: 'combustion', hourlyRate: 94, overtimeMultiplier: 1.5 },
  { skill: 'electrical', hourlyRate: 90, overtimeMultiplier: 1.5 },
  { skill: 'mechanical', hourlyRate: 82, overtimeMultiplier: 1.5 },
];

export interface MaintenanceTemplate {
  readonly name: string;
  readonly intervalMonths: number;
  /** Also due after this many running hours (whichever first). */
  readonly intervalRunningHours?: number;
  readonly estimatedMinutes: number;
  readonly requiredSkill: string;
  readonly checklist: readonly string[];
  /** Consumables used at every service; SKUs not in the parts catalogue are left out. */
  readonly parts: readonly { sku: string; quantity: number }[];
}

/** Preventive service per equipment model id. */
export const MAINTENANCE_TEMPLATES: Readonly<Record<string, MaintenanceTemplate>> = {
  'water-chiller-wc200': {
    name: 'Quarterly chiller service',
    intervalMonths: 3,
    estimatedMinutes: 180,
    requiredSkill: 'refrigeration',
    checklist: [
      'Check suction and discharge pressures against the log',
      'Leak test the refrigerant circuit',
      'Clean the condenser coils',
      'Check the condenser fans and their mountings',
      'Record the evaporator approach temperature',
    ],
    parts: [
      { sku: 'CHM-COIL-ALK-5L', quantity: 1 },
      { sku: 'LEAK-SPRAY-400', quantity: 1 },
    ],
  },
  'gas-boiler-gb120': {
    name: 'Annual boiler service and flue gas analysis',
    intervalMonths: 12,
    estimatedMinutes: 150,
    requiredSkill: 'combustion',
    checklist: [
      'Flue gas analysis (CO, CO₂, O₂) at minimum and maximum load',
      'Clean the heat exchanger and the condensate trap',
      'Replace the ignition and ionisation electrodes',
      'Check the gas pressure and the safety valve',
      'Record the readings in the boiler log',
    ],
    parts: [
      { sku: 'ELC-IGN-GB120', quantity: 1 },
      { sku: 'GSK-GB120-BDOOR', quantity: 1 },
    ],
  },
  'screw-compressor-sc55': {
    name: 'Compressor oil and filter service',
    intervalMonths: 6,
    intervalRunningHours: 4000,
    estimatedMinutes: 120,
    requiredSkill: 'mechanical',
    checklist: [
      'Change the oil and the oil filter',
      'Replace the cabinet intake filter mats',
      'Check the coupling element',
      'Leak test the air network connections',
    ],
    parts: [
      { sku: 'OFE-SC55-10U', quantity: 1 },
      { sku: 'OIL-SCR-SYN-20L', quantity: 1 },
      { sku: 'FLT-CAB-SC55', quantity: 1 },
    ],
  },
  'centrifugal-pump-cp80': {
    name: 'Half-yearly pump inspection',
    intervalMonths: 6,
    estimatedMinutes: 90,
    requiredSkill: 'mechanical',
    checklist: ['Inspect the mechanical seal for leakage', 'Grease the motor bearings', 'Measure vibration at both bearings', 'Clean the suction strainer'],
    parts: [{ sku: 'GRS-PU-420', quantity: 1 }],
  },
};

/** The contract-wide plan of customer-level contracts (standard plan). */
export const SITE_INSPECTION_TEMPLATE = {
  name: 'Annual site inspection',
  intervalMonths: 12,
  estimatedMinutes: 240,
  checklist: ['Walk-through of every installed asset', 'Check the connectivity of every device', 'Review open issues with the site manager'],
} as const;
