/** The customer, site, asset and contract a new or moved ticket refers to, checked against each other. */
import type { Queryable } from '../../kernel/db/database.js';
import { invalidField, notFound } from '../../kernel/errors.js';
import { ContractsRepository } from '../contracts/contracts.repository.js';

const contracts = new ContractsRepository();

/**
 * Customer, site and asset that agree with each other (the asset's site and customer win when
 * omitted). `scoped`: the caller is a customer user, for whom another customer's asset or site is
 * NOT_FOUND exactly like one that does not exist (it must not learn that the id exists).
 */
export async function resolvePlace(q: Queryable, customerId: string | undefined, siteId: string | undefined, assetId: string | undefined, scoped = false) {
  let customer = customerId;
  let site = siteId ?? null;
  if (assetId) {
    const { rows } = await q.query<{ site_id: string; customer_id: string }>(
      'SELECT a.site_id, s.customer_id FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = $1',
      [assetId],
    );
    const asset = rows[0];
    if (scoped && asset?.customer_id !== customer) throw notFound('asset', assetId);
    if (!asset) throw invalidField('body.assetId', `no asset ${assetId}`);
    if (customer && asset.customer_id !== customer) throw invalidField('body.assetId', `asset ${assetId} belongs to another customer`);
    if (site && site !== asset.site_id) throw invalidField('body.siteId', `asset ${assetId} is installed at another site`);
    customer = asset.customer_id;
    site = asset.site_id;
  }
  if (!customer) throw invalidField('body.customerId', 'customerId or assetId is required');
  const exists = await q.query('SELECT 1 FROM customers WHERE id = $1', [customer]);
  if (exists.rows.length === 0) throw invalidField('body.customerId', `no customer ${customer}`);
  if (site && !assetId) {
    const owned = await q.query('SELECT 1 FROM sites WHERE id = $1 AND customer_id = $2', [site, customer]);
    if (owned.rows.length === 0) throw scoped ? notFound('site', site) : invalidField('body.siteId', `site ${site} is not a site of customer ${customer}`);
  }
  return { customerId: customer, siteId: site, assetId: assetId ?? null };
}

/** The explicit contract (must be the customer's) or the automatic lookup on the ticket's UTC date. */
export async function resolveContract(
  q: Queryable,
  customerId: string,
  assetId: string | null,
  explicit: string | undefined,
  at: Date,
  scoped = false,
): Promise<string | null> {
  if (explicit) {
    const contract = await contracts.find(q, explicit);
    if (scoped && contract?.customer_id !== customerId) throw notFound('contract', explicit);
    if (!contract || contract.customer_id !== customerId) throw invalidField('body.contractId', `${explicit} is not a contract of customer ${customerId}`);
    return contract.id;
  }
  const found = await contracts.findApplicable(q, customerId, assetId, at.toISOString().slice(0, 10));
  return found?.id ?? null;
}
