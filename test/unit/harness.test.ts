import { inject, expect, test } from 'vitest';
import { influxQuery } from '../harness/servers.js';

test('the harness runs a real influxd', async () => {
  const url = inject('influxUrl');
  await fetch(`${url}/query?q=${encodeURIComponent('CREATE DATABASE harness')}`, { method: 'POST' });
  await fetch(`${url}/write?db=harness&precision=ms`, { method: 'POST', body: 'm,t=a v=1.5 1700000000000' });
  expect(await influxQuery(url, 'harness', 'SELECT v FROM m')).toEqual([[1700000000000, 1.5]]);
});
