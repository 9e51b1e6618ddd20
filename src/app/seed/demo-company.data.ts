/**
 * The demo company's fixed data: customers with real European addresses and coordinates, their
 * people, the service team and the contract templates. Only data; src/app/seed/seed.ts loads it.
 */
import type { SlaTargets } from '../../service/sla/sla.policy.js';

export interface DemoSite {
  readonly name: string;
  readonly address: string;
  readonly city: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly accessNotes?: string;
}

export interface DemoPerson {
  readonly name: string;
  readonly title: string;
  readonly email: string;
  readonly phone: string;
}

export type ContractPlan = 'premium' | 'standard' | 'prepaid' | 'none';

export interface DemoCustomer {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly notes: string;
  readonly timeZone: string;
  /** Language of the contacts (notifications); default by the first site's country. */
  readonly language?: string;
  readonly plan: ContractPlan;
  readonly sites: readonly DemoSite[];
  readonly contacts: readonly DemoPerson[];
}

const h = (hours: number) => hours * 60;

export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  {
    name: 'Nordhafen Kühlhaus GmbH',
    email: 'technik@nordhafen-kuehlhaus.example',
    phone: '+49 40 3005 1200',
    notes: 'Cold storage for food retail; −25 °C deep-freeze halls run 24/7.',
    timeZone: 'Europe/Berlin',
    plan: 'premium',
    sites: [
      {
        name: 'Kühlhaus Sandtorkai',
        address: 'Am Sandtorkai 50',
        city: 'Hamburg',
        country: 'DE',
        latitude: 53.5437,
        longitude: 9.9885,
        accessNotes: 'Gate 3, report to the dock office; safety shoes required.',
      },
      { name: 'Lager Billbrook', address: 'Billbrookdeich 100', city: 'Hamburg', country: 'DE', latitude: 53.53, longitude: 10.092 },
    ],
    contacts: [
      { name: 'Henrik Sommer', title: 'Facility manager', email: 'h.sommer@nordhafen-kuehlhaus.example', phone: '+49 40 3005 1210' },
      { name: 'Julia Petersen', title: 'Purchasing', email: 'j.petersen@nordhafen-kuehlhaus.example', phone: '+49 40 3005 1230' },
    ],
  },
  {
    name: 'Brasserie du Lac SA',
    email: 'maintenance@brasserie-du-lac.example',
    phone: '+41 21 614 20 00',
    notes: 'Craft brewery; fermentation cooling is critical from March to September.',
    timeZone: 'Europe/Zurich',
    language: 'fr',
    plan: 'standard',
    sites: [{ name: 'Brasserie Rhodanie', address: 'Avenue de Rhodanie 60', city: 'Lausanne', country: 'CH', latitude: 46.5107, longitude: 6.6176 }],
    contacts: [{ name: 'Claire Rochat', title: 'Head brewer', email: 'c.rochat@brasserie-du-lac.example', phone: '+41 21 614 20 11' }],
  },
  {
    name: 'Ospedale San Marco',
    email: 'ufficio.tecnico@ospedale-sanmarco.example',
    phone: '+39 02 5503 1000',
    notes: 'Hospital: operating theatres and pharmacy cooling; escalate critical tickets by phone.',
    timeZone: 'Europe/Rome',
    plan: 'premium',
    sites: [
      {
        name: 'Padiglione Centrale',
        address: 'Via Francesco Sforza 35',
        city: 'Milano',
        country: 'IT',
        latitude: 45.4603,
        longitude: 9.1947,
        accessNotes: 'Technical entrance on Via Lamarmora; badge at the porter.',
      },
      { name: 'Centrale Termica', address: 'Via della Commenda 10', city: 'Milano', country: 'IT', latitude: 45.4575, longitude: 9.1989 },
    ],
    contacts: [
      { name: 'Giulia Ferri', title: 'Technical office', email: 'g.ferri@ospedale-sanmarco.example', phone: '+39 02 5503 1020' },
      { name: 'Paolo Conti', title: 'Energy manager', email: 'p.conti@ospedale-sanmarco.example', phone: '+39 02 5503 1044' },
    ],
  },
  {
    name: 'Vitrum Glassworks Sp. z o.o.',
    email: 'utrzymanie@vitrum-glass.example',
    phone: '+48 71 355 40 00',
    notes: 'Float glass line; compressed air and process cooling.',
    timeZone: 'Europe/Warsaw',
    plan: 'prepaid',
    sites: [{ name: 'Zakład Legnicka', address: 'ul. Legnicka 58', city: 'Wrocław', country: 'PL', latitude: 51.119, longitude: 16.99 }],
    contacts: [{ name: 'Marek Zieliński', title: 'Maintenance lead', email: 'm.zielinski@vitrum-glass.example', phone: '+48 71 355 40 12' }],
  },
  {
    name: 'Waterbedrijf Utrecht',
    email: 'storing@waterbedrijf-utrecht.example',
    phone: '+31 30 248 70 00',
    notes: 'Municipal water utility: pumping stations.',
    timeZone: 'Europe/Amsterdam',
    plan: 'standard',
    sites: [{ name: 'Pompstation Europalaan', address: 'Europalaan 40', city: 'Utrecht', country: 'NL', latitude: 52.0715, longitude: 5.107 }],
    contacts: [{ name: 'Sanne Visser', title: 'Operations', email: 's.visser@waterbedrijf-utrecht.example', phone: '+31 30 248 70 15' }],
  },
  {
    name: 'Alpine Data Center AG',
    email: 'noc@alpine-dc.example',
    phone: '+41 44 305 50 00',
    notes: 'Tier III data centre; chillers N+1, any outage is critical.',
    timeZone: 'Europe/Zurich',
    plan: 'premium',
    sites: [
      {
        name: 'ZRH-1 Oerlikon',
        address: 'Hagenholzstrasse 81',
        city: 'Zürich',
        country: 'CH',
        latitude: 47.414,
        longitude: 8.556,
        accessNotes: 'Escort required; announce 30 min ahead to the NOC.',
      },
      { name: 'ZRH-2 Glattbrugg', address: 'Thurgauerstrasse 130', city: 'Glattbrugg', country: 'CH', latitude: 47.4275, longitude: 8.5633 },
    ],
    contacts: [{ name: 'Reto Baumann', title: 'Critical facilities', email: 'r.baumann@alpine-dc.example', phone: '+41 44 305 50 21' }],
  },
  {
    name: 'Fromagerie Belcastel',
    email: 'technique@fromagerie-belcastel.example',
    phone: '+33 4 78 61 20 00',
    notes: 'Cheese ripening cellars; humidity and temperature sensitive.',
    timeZone: 'Europe/Paris',
    plan: 'prepaid',
    sites: [{ name: 'Caves de Gerland', address: '50 Rue de Gerland', city: 'Lyon', country: 'FR', latitude: 45.73, longitude: 4.832 }],
    contacts: [{ name: 'Élodie Martin', title: 'Production manager', email: 'e.martin@fromagerie-belcastel.example', phone: '+33 4 78 61 20 14' }],
  },
  {
    name: 'Kattegat Fiskeindustri A/S',
    email: 'service@kattegat-fisk.example',
    phone: '+45 86 12 30 00',
    notes: 'Fish processing at the harbour; ice water chillers.',
    timeZone: 'Europe/Copenhagen',
    plan: 'standard',
    sites: [{ name: 'Havnen Aarhus', address: 'Hveensgade 4', city: 'Aarhus', country: 'DK', latitude: 56.15, longitude: 10.22 }],
    contacts: [{ name: 'Mette Kristensen', title: 'Plant engineer', email: 'm.kristensen@kattegat-fisk.example', phone: '+45 86 12 30 18' }],
  },
  {
    name: 'Hotel Miramar Valencia',
    email: 'mantenimiento@hotel-miramar.example',
    phone: '+34 963 71 20 00',
    notes: 'Beach hotel; heating and hot water; no service contract (time and materials).',
    timeZone: 'Europe/Madrid',
    plan: 'none',
    sites: [{ name: 'Hotel Miramar', address: 'Passeig de Neptú 2', city: 'València', country: 'ES', latitude: 39.464, longitude: -0.324 }],
    contacts: [{ name: 'Javier Navarro', title: 'Chief engineer', email: 'j.navarro@hotel-miramar.example', phone: '+34 963 71 20 09' }],
  },
  {
    name: 'Danube Pharma Kft.',
    email: 'karbantartas@danube-pharma.example',
    phone: '+36 1 450 30 00',
    notes: 'GMP clean rooms; every intervention needs a signed work order.',
    timeZone: 'Europe/Budapest',
    plan: 'standard',
    sites: [
      {
        name: 'Váci úti üzem',
        address: 'Váci út 99',
        city: 'Budapest',
        country: 'HU',
        latitude: 47.533,
        longitude: 19.068,
        accessNotes: 'Gowning required in zones B and C.',
      },
    ],
    contacts: [{ name: 'Eszter Kovács', title: 'Engineering', email: 'e.kovacs@danube-pharma.example', phone: '+36 1 450 30 25' }],
  },
  {
    name: 'Brauerei Isartal AG',
    email: 'instandhaltung@brauerei-isartal.example',
    phone: '+49 89 5466 7000',
    notes: 'Brewery with bottling; steam boilers and glycol chillers.',
    timeZone: 'Europe/Berlin',
    plan: 'prepaid',
    sites: [
      { name: 'Brauhaus Landsberger Straße', address: 'Landsberger Straße 200', city: 'München', country: 'DE', latitude: 48.142, longitude: 11.52 },
      { name: 'Abfüllung Freiham', address: 'Hans-Steinkohl-Straße 4', city: 'München', country: 'DE', latitude: 48.1395, longitude: 11.4115 },
    ],
    contacts: [{ name: 'Florian Huber', title: 'Maintenance manager', email: 'f.huber@brauerei-isartal.example', phone: '+49 89 5466 7012' }],
  },
  {
    name: 'Klinik Floridsdorf Technik',
    email: 'haustechnik@klinik-floridsdorf.example',
    phone: '+43 1 277 00 0',
    notes: 'Hospital building services: boilers, chillers, pumps.',
    timeZone: 'Europe/Vienna',
    plan: 'premium',
    sites: [{ name: 'Klinik Brünner Straße', address: 'Brünner Straße 68', city: 'Wien', country: 'AT', latitude: 48.276, longitude: 16.4 }],
    contacts: [{ name: 'Katharina Wagner', title: 'Building services', email: 'k.wagner@klinik-floridsdorf.example', phone: '+43 1 277 00 4410' }],
  },
];

export interface DemoTechnician {
  readonly name: string;
  /** Skill names with their level 1–5 (technician profile). */
  readonly skills: Readonly<Record<string, 1 | 2 | 3 | 4 | 5>>;
  /** ISO country codes the technician covers. */
  readonly territories: readonly string[];
  readonly phone: string;
  /** Home base near the customers of their territory: the start of their day. */
  readonly home: { readonly label: string; readonly lat: number; readonly lon: number };
  /** IANA zone of their working hours (Monday–Friday 07:00–17:00). */
  readonly timeZone: string;
  /** What an hour of their time costs (EUR). */
  readonly hourlyCost: number;
}

export const DEMO_TECHNICIANS: readonly DemoTechnician[] = [
  {
    name: 'Jonas Becker',
    skills: { refrigeration: 5, electrical: 3, mechanical: 2 },
    territories: ['DE', 'DK'],
    phone: '+49 151 2000 1001',
    home: { label: 'Hamburg-Altona', lat: 53.5503, lon: 9.935 },
    timeZone: 'Europe/Berlin',
    hourlyCost: 48,
  },
  {
    name: 'Lena Hoffmann',
    skills: { combustion: 5, mechanical: 4 },
    territories: ['DE', 'AT'],
    phone: '+49 151 2000 1002',
    home: { label: 'München-Pasing', lat: 48.1497, lon: 11.4616 },
    timeZone: 'Europe/Berlin',
    hourlyCost: 50,
  },
  {
    name: 'Marco Bianchi',
    skills: { refrigeration: 4, mechanical: 3 },
    territories: ['IT', 'CH'],
    phone: '+39 347 200 1003',
    home: { label: 'Sesto San Giovanni', lat: 45.534, lon: 9.23 },
    timeZone: 'Europe/Rome',
    hourlyCost: 44,
  },
  {
    name: 'Sophie Laurent',
    skills: { electrical: 4, combustion: 3 },
    territories: ['FR', 'CH'],
    phone: '+33 6 20 00 10 04',
    home: { label: 'Villeurbanne', lat: 45.7719, lon: 4.8902 },
    timeZone: 'Europe/Paris',
    hourlyCost: 46,
  },
  {
    name: 'Pieter de Vries',
    skills: { mechanical: 5, electrical: 4 },
    territories: ['NL', 'DE'],
    phone: '+31 6 2000 1005',
    home: { label: 'Nieuwegein', lat: 52.029, lon: 5.083 },
    timeZone: 'Europe/Amsterdam',
    hourlyCost: 47,
  },
  {
    name: 'Ana García',
    skills: { refrigeration: 3, combustion: 4 },
    territories: ['ES', 'FR'],
    phone: '+34 620 001 006',
    home: { label: 'Paterna', lat: 39.503, lon: -0.44 },
    timeZone: 'Europe/Madrid',
    hourlyCost: 41,
  },
  {
    name: 'Tomasz Nowak',
    skills: { mechanical: 4, electrical: 3, refrigeration: 2 },
    territories: ['PL', 'HU', 'AT'],
    phone: '+48 602 001 007',
    home: { label: 'Wrocław-Krzyki', lat: 51.08, lon: 17.02 },
    timeZone: 'Europe/Warsaw',
    hourlyCost: 38,
  },
];

/** One account for each other role; the customer user belongs to the first customer. */
export const DEMO_STAFF = [
  { name: 'Alex Admin', role: 'admin', local: 'admin' },
  { name: 'Dana Dispatcher', role: 'dispatcher', local: 'dispatcher' },
  { name: 'Frank Frontdesk', role: 'agent', local: 'agent' },
  { name: 'Henrik Sommer', role: 'customer', local: 'customer' },
] as const;

export const DEMO_EMAIL_DOMAIN = 'telemend-demo.example';

/** SLA targets in business minutes of the contract calendar. */
export const PREMIUM_SLA: SlaTargets = {
  critical: { responseMinutes: h(2), resolutionMinutes: h(8) },
  high: { responseMinutes: h(4), resolutionMinutes: h(24) },
  medium: { responseMinutes: h(8), resolutionMinutes: h(48) },
  low: { responseMinutes: h(24), resolutionMinutes: h(120) },
};

export const STANDARD_SLA: SlaTargets = {
  critical: { responseMinutes: h(4), resolutionMinutes: h(16) },
  high: { responseMinutes: h(8), resolutionMinutes: h(27) },
  medium: { responseMinutes: h(18), resolutionMinutes: h(45) },
  low: { responseMinutes: h(27), resolutionMinutes: h(90) },
};

export interface ContractTemplate {
  readonly name: string;
  readonly sla: SlaTargets | null;
  /** true: Mon–Fri 08:00–17:00 in the customer's time zone; false: 24x7. */
  readonly businessHours: boolean;
  readonly labourPercent: number;
  readonly partsPercent: number;
  readonly travelIncluded: boolean;
  readonly prepaidMinutes: number;
  /** Annual value in EUR. */
  readonly value: number;
  /** Covers the customer's assets by list (true) or the whole customer (false). */
  readonly listsAssets: boolean;
}

export const CONTRACT_TEMPLATES: Readonly<Record<Exclude<ContractPlan, 'none'>, ContractTemplate>> = {
  premium: {
    name: 'Premium 24/7 full service',
    sla: PREMIUM_SLA,
    businessHours: false,
    labourPercent: 100,
    partsPercent: 100,
    travelIncluded: true,
    prepaidMinutes: 0,
    value: 48_000,
    listsAssets: true,
  },
  standard: {
    name: 'Standard business hours',
    sla: STANDARD_SLA,
    businessHours: true,
    labourPercent: 50,
    partsPercent: 0,
    travelIncluded: true,
    prepaidMinutes: 0,
    value: 18_000,
    listsAssets: false,
  },
  prepaid: {
    name: 'Prepaid service hours',
    sla: STANDARD_SLA,
    businessHours: true,
    labourPercent: 0,
    partsPercent: 0,
    travelIncluded: false,
    prepaidMinutes: h(60),
    value: 9_600,
    listsAssets: false,
  },
};

/** Public holidays common to most of the demo countries, as closed local dates. */
export function commonHolidays(years: readonly number[]): string[] {
  return years.flatMap((y) => [`${y}-01-01`, `${y}-05-01`, `${y}-12-25`, `${y}-12-26`]);
}
