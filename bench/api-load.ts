/**
 * The load process of `npm run bench:api`: runs autocannon against the API process, one scenario
 * after the other (a short warm-up, then the measured run), and prints one JSON line per
 * scenario on stdout. Its input is a JSON file named on the command line:
 *   { baseUrl, token, seconds, warmupSeconds, connections, scenarios: [{ name, paths: [..] }] }
 * Every request picks one of the scenario's paths at random; each connection sends its next
 * request as soon as the previous one is answered (closed loop).
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { z } from 'zod';

const inputSchema = z.object({
  baseUrl: z.url(),
  token: z.string().min(1),
  seconds: z.number().positive(),
  warmupSeconds: z.number().min(0),
  connections: z.number().int().positive(),
  scenarios: z.array(z.object({ name: z.string(), paths: z.array(z.string().startsWith('/')).min(1) })).min(1),
});

export interface ScenarioResult {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

const input = inputSchema.parse(JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')));

async function run(paths: string[], seconds: number) {
  return autocannon({
    url: input.baseUrl,
    connections: input.connections,
    duration: seconds,
    headers: { authorization: `Bearer ${input.token}` },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[Math.floor(Math.random() * paths.length)]! }) }],
  });
}

for (const scenario of input.scenarios) {
  if (input.warmupSeconds > 0) await run(scenario.paths, input.warmupSeconds);
  const r = await run(scenario.paths, input.seconds);
  const result: ScenarioResult = {
    name: scenario.name,
    requests: r['2xx'] + r.non2xx,
    rps: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
