import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type TestApi } from './api-fixture.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

describe('models', () => {
  test('lists the loaded models with metric and fault counts, filters and pages', async () => {
    const all = await api.call('GET', '/api/v1/models');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      items: [
        { id: 'chiller-x', name: 'Model chiller-x', manufacturer: 'Acme', category: 'chiller', metricCount: 2, faultCount: 2 },
        { id: 'pump-y', name: 'Model pump-y', manufacturer: 'Acme', category: 'pump', metricCount: 2, faultCount: 1 },
      ],
      nextCursor: null,
    });
    const first = await api.call('GET', '/api/v1/models?limit=1');
    expect(first.body.items.map((m: { id: string }) => m.id)).toEqual(['chiller-x']);
    const second = await api.call('GET', `/api/v1/models?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ id: 'pump-y' }], nextCursor: null });
    const pumps = await api.call('GET', '/api/v1/models?category=pump');
    expect(pumps.body.items.map((m: { id: string }) => m.id)).toEqual(['pump-y']);
    expect((await api.call('GET', '/api/v1/models?q=CHILL')).body.items).toHaveLength(1);
  });

  test('reads one full model; 404 for an unknown one', async () => {
    const model = await api.call('GET', '/api/v1/models/chiller-x');
    expect(model.status).toBe(200);
    expect(model.body.id).toBe('chiller-x');
    expect(Object.keys(model.body.metrics)).toEqual(['supply_temp', 'power_kw']);
    expect(model.body.metrics.supply_temp).toMatchObject({ unit: '°C', min: -20, max: 40 });
    expect(model.body.faults[0]).toMatchObject({ code: 'F1', parts: [{ sku: 'SKU-1', quantity: 1 }], priority: 'high' });
    const missing = await api.call('GET', '/api/v1/models/no-such-model');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect((await api.call('GET', '/api/v1/models/chiller-x', undefined, { authorization: undefined })).status).toBe(401);
  });
});

describe('OpenAPI', () => {
  test('the UI is served at /docs without a token', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toMatch(/swagger/i);
  });

  test('/docs/json documents every CRM and device route with its schemas', async () => {
    const reply = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(reply.statusCode).toBe(200);
    const doc = reply.json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    const expected: Record<string, string[]> = {
      '/api/v1/customers': ['get', 'post'],
      '/api/v1/customers/{id}': ['get', 'patch'],
      '/api/v1/sites': ['get', 'post'],
      '/api/v1/sites/{id}': ['get', 'patch'],
      '/api/v1/assets': ['get', 'post'],
      '/api/v1/assets/{id}': ['get', 'patch'],
      '/api/v1/assets/{id}/device': ['get', 'post'],
      '/api/v1/devices': ['get'],
      '/api/v1/devices/{deviceId}': ['get'],
      '/api/v1/devices/{deviceId}/rotate': ['post'],
      '/api/v1/devices/{deviceId}/revoke': ['post'],
      '/api/v1/models': ['get'],
      '/api/v1/models/{id}': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc.paths[path], path).toBeDefined();
      for (const method of methods) expect(doc.paths[path]![method], `${method} ${path}`).toBeDefined();
    }
    const list = doc.paths['/api/v1/assets']!.get!;
    expect(list.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor', 'sort', 'siteId', 'customerId', 'modelId', 'serialNumber']));
    expect(doc.paths['/api/v1/assets']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/customers/{id}']!.patch!.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['path:id', 'header:if-match']),
    );
    expect(Object.keys(doc.paths['/api/v1/assets/{id}/device']!.post!.responses)).toContain('201');
  });
});
