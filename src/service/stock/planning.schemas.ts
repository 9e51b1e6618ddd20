/** Reorder suggestions and the demand forecast: API contract (the maths: stock-forecast.ts). */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { LOCATION_KINDS, skuSchema } from './catalogue.schemas.js';

export const reorderLineSchema = z.object({
  partId: z.uuid(),
  sku: z.string(),
  description: z.string(),
  onHand: z.number(),
  reserved: z.number().describe('Held by open reservations'),
  available: z.number(),
  inTransit: z.number(),
  openBackorders: z.number(),
  position: z.number().describe('available + inTransit - openBackorders'),
  reorderPoint: z.number().nullable(),
  reorderQuantity: z.number().nullable(),
  suggestedQuantity: z.number(),
  leadTimeDays: z.number().int().nullable(),
  unitCost: money('reorderLine.unitCost', z.number()),
  lineCost: money('reorderLine.lineCost', z.number()),
});
export const reorderSuggestionsSchema = z.object({
  generatedAt: z.iso.datetime(),
  basis: z.string(),
  suppliers: z.array(
    z.object({
      supplier: z.string().nullable().describe('null: parts without a supplier'),
      lines: z.array(reorderLineSchema),
      totalCost: money('reorderSupplier.totalCost', z.number()),
    }),
  ),
});
export type ReorderSuggestions = z.infer<typeof reorderSuggestionsSchema>;

export const forecastQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(30).describe('Horizon in days (default 30)'),
  lookbackDays: z.coerce.number().int().min(7).max(730).default(90).describe('Window of the historical consumption rate (default 90)'),
  sku: skuSchema.optional(),
});
export type ForecastQuery = z.infer<typeof forecastQuery>;

const figures = {
  dailyRate: z.number().describe('Historical consumption per day'),
  historicalDemand: z.number().describe('dailyRate × days'),
  predictedDemand: z.number().describe('From open predictive auto-tickets due within the horizon'),
  expectedDemand: z.number(),
  stock: z.number().describe('What the demand is met from (see basis)'),
  stockoutDate: z.iso.datetime().nullable(),
  stockoutWithinHorizon: z.boolean(),
  recommendedQuantity: z.number(),
};

export const forecastSchema = z.object({
  generatedAt: z.iso.datetime(),
  horizonDays: z.number().int(),
  lookbackDays: z.number().int(),
  basis: z.string(),
  items: z.array(
    z.object({
      partId: z.uuid(),
      sku: z.string(),
      description: z.string(),
      network: z.object(figures),
      predictedNeeds: z.array(
        z.object({ ticketId: z.uuid(), ticketNumber: z.string(), quantity: z.number(), needBy: z.iso.datetime(), locationId: z.uuid().nullable() }),
      ),
      locations: z.array(z.object({ locationId: z.uuid(), code: z.string(), kind: z.enum(LOCATION_KINDS), ...figures })),
    }),
  ),
});
export type StockForecast = z.infer<typeof forecastSchema>;
