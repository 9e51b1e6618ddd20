import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type TestApi } from '../api/api-fixture.js';
import { userWithRole, type TestUser } from '../auth/auth-fixture.js';
import { fieldsOf } from '../service/service-fixture.js';

let api: TestApi;
let technician: TestUser;
let dispatcher: TestUser;
const ids: Record<string, string> = {};

const ARTICLES = {
  // Title match on "compressor": ranks first for that word.
  compressor: {
    title: 'Compressor trips on high discharge pressure',
    body: 'When the condenser fans fail the discharge pressure rises and the controller stops the unit. Check fan fuses first.',
    tags: ['refrigeration'],
    modelIds: ['chiller-x'],
    faultCodes: ['F1'],
    status: 'published',
  },
  // Body-only match on "compressor".
  fans: {
    title: 'Condenser fan replacement',
    body: 'Isolate the compressor and the fans before you open the <panel> & replace the motor.',
    tags: ['fans'],
    modelIds: ['chiller-x'],
    faultCodes: ['F2'],
    status: 'published',
  },
  pump: {
    title: 'Pump seal leaking',
    body: 'Replace the mechanical seal. The compressor is not involved on pumps.',
    tags: ['seals'],
    modelIds: ['pump-y'],
    faultCodes: ['F1'],
    status: 'published',
  },
  draft: {
    title: 'Compressor oil analysis (draft)',
    body: 'Work in progress about compressor oil.',
    tags: [],
    modelIds: ['chiller-x'],
    faultCodes: [],
    status: 'draft',
  },
} as const;

beforeAll(async () => {
  api = await startApi();
  technician = await userWithRole(api, 'technician');
  dispatcher = await userWithRole(api, 'dispatcher');
  for (const [name, article] of Object.entries(ARTICLES)) {
    const reply = await api.call('POST', '/api/v1/knowledge/articles', article, dispatcher.auth);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    ids[name] = reply.body.id;
  }
});
afterAll(async () => {
  await api?.close();
});

const search = (query: string, user: TestUser = technician) => api.call('GET', `/api/v1/knowledge/search?${query}`, undefined, user.auth);
const titles = (reply: { body: { items: { id: string }[] } }) => reply.body.items.map((i) => Object.entries(ids).find(([, id]) => id === i.id)?.[0]);

describe('full-text search', () => {
  test('ranked: title matches before body matches; stemming; drafts hidden from technicians', async () => {
    const reply = await search('q=compressors');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(titles(reply)[0]).toBe('compressor');
    expect(titles(reply).sort()).toEqual(['compressor', 'fans', 'pump']);
    const ranks = reply.body.items.map((i: { rank: number }) => i.rank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    expect(ranks[0]).toBeGreaterThan(ranks[1]);
    const asEditor = await search('q=compressor', dispatcher);
    expect(titles(asEditor)).toContain('draft');
  });

  test('highlights are HTML-escaped with the matches in <mark>', async () => {
    const reply = await search('q=replace motor');
    expect(titles(reply)).toEqual(['fans']);
    const hit = reply.body.items[0];
    expect(hit.snippet).toContain('<mark>replace</mark>');
    expect(hit.snippet).toContain('<mark>motor</mark>');
    // Markup in the source never reaches the snippet as markup: tags are dropped, & < > escaped.
    expect(hit.snippet).toContain('&amp; <mark>replace</mark>');
    expect(hit.snippet).not.toContain('<panel>');
    const titled = await search('q=discharge');
    expect(titled.body.items[0].titleHighlight).toBe('Compressor trips on high <mark>discharge</mark> pressure');
  });

  test('web-search syntax: phrases and exclusions; filters by model, fault code and tag', async () => {
    expect(titles(await search('q=' + encodeURIComponent('"mechanical seal"')))).toEqual(['pump']);
    expect(titles(await search('q=' + encodeURIComponent('compressor -pumps'))).sort()).toEqual(['compressor', 'fans']);
    expect(titles(await search('q=compressor&modelId=pump-y'))).toEqual(['pump']);
    expect(titles(await search('q=compressor&faultCode=F1')).sort()).toEqual(['compressor', 'pump']);
    expect(titles(await search('q=compressor&modelId=chiller-x&faultCode=F1'))).toEqual(['compressor']);
    expect(titles(await search('q=compressor&tag=fans'))).toEqual(['fans']);
    // Tags and fault codes are searchable text too.
    expect(titles(await search('q=seals'))).toEqual(['pump']);
    expect(titles(await search('q=compressor&limit=1'))).toHaveLength(1);
    // Stop words only / no match / unbalanced syntax: an empty result, never an error.
    expect((await search('q=the')).body.items).toEqual([]);
    expect((await search('q=' + encodeURIComponent('"unbalanced ( -'))).status).toBe(200);
  });

  test('bad search input is 400 naming the parameter', async () => {
    expect(fieldsOf((await search('modelId=chiller-x')).body)).toEqual(['querystring.q']);
    expect(fieldsOf((await search('q=')).body)).toEqual(['querystring.q']);
    expect(fieldsOf((await search('q=a&limit=500')).body)).toEqual(['querystring.limit']);
    expect(fieldsOf((await search('q=a&status=secret')).body)).toEqual(['querystring.status']);
  });
});

describe('articles', () => {
  test('editors write; technicians and agents read published only; customers have no access', async () => {
    const agent = await userWithRole(api, 'agent');
    expect((await api.call('GET', `/api/v1/knowledge/articles/${ids.draft}`, undefined, technician.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/knowledge/articles/${ids.draft}`, undefined, dispatcher.auth)).status).toBe(200);
    const list = await api.call('GET', '/api/v1/knowledge/articles?modelId=chiller-x&sort=title', undefined, agent.auth);
    expect(titles(list)).toEqual(['compressor', 'fans']);
    const drafts = await api.call('GET', '/api/v1/knowledge/articles?status=draft', undefined, agent.auth);
    expect(drafts.body.items).toEqual([]);
    expect((await api.call('POST', '/api/v1/knowledge/articles', { title: 'x', body: 'y' }, technician.auth)).status).toBe(403);
    const { rows } = await api.db.query<{ id: string }>('SELECT id FROM customers LIMIT 1');
    const customerId = rows[0]?.id ?? (await api.call('POST', '/api/v1/customers', { name: 'K' })).body.id;
    const customer = await userWithRole(api, 'customer', customerId);
    expect((await api.call('GET', '/api/v1/knowledge/search?q=pump', undefined, customer.auth)).status).toBe(403);
  });

  test('publishing stamps publishedAt once; updates re-index the text; If-Match', async () => {
    const draft = await api.call('GET', `/api/v1/knowledge/articles/${ids.draft}`);
    expect(draft.body.publishedAt).toBeNull();
    const stale = await api.call('PATCH', `/api/v1/knowledge/articles/${ids.draft}`, { status: 'published' }, { 'if-match': '"42"' });
    expect(stale.status).toBe(412);
    const published = await api.call(
      'PATCH',
      `/api/v1/knowledge/articles/${ids.draft}`,
      { status: 'published', body: 'Viscosity and acidity of the refrigerant oil.' },
      { 'if-match': draft.headers.etag as string },
    );
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body.publishedAt).not.toBeNull();
    expect(titles(await search('q=viscosity'))).toEqual(['draft']);
    expect(titles(await search('q=progress'))).toEqual([]);
    const again = await api.call('PATCH', `/api/v1/knowledge/articles/${ids.draft}`, { title: 'Compressor oil analysis' });
    expect(again.body.publishedAt).toBe(published.body.publishedAt);
    expect(again.body.version).toBe(3);
  });

  test('pagination over the list', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/knowledge/articles?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  test('bad article input is 400 naming the fields', async () => {
    const cases: [string, unknown, string[]][] = [
      ['POST', { body: 'no title' }, ['body.title']],
      ['POST', { title: 'x', body: '' }, ['body.body']],
      ['POST', { title: 'x', body: 'y', modelIds: ['warp-drive'] }, ['body.modelIds.0']],
      ['POST', { title: 'x', body: 'y', tags: ['a', 'a'] }, ['body.tags']],
      ['POST', { title: 'x', body: 'y', status: 'archived' }, ['body.status']],
      ['PATCH', { modelIds: ['chiller-x', 'nope'] }, ['body.modelIds.1']],
      ['PATCH', { faultCodes: [''] }, ['body.faultCodes.0']],
    ];
    for (const [method, body, fields] of cases) {
      const url = method === 'POST' ? '/api/v1/knowledge/articles' : `/api/v1/knowledge/articles/${ids.fans}`;
      const reply = await api.call(method as 'POST', url, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(reply.body), JSON.stringify(body)).toEqual(fields);
    }
    expect(fieldsOf((await api.call('GET', '/api/v1/knowledge/articles?sort=rank')).body)).toEqual(['querystring.sort']);
  });
});
