/** The desk's views by address (`#/...`); `admin` views are the back office, refused to other roles. */
import { renderContract, renderContracts } from './office/contracts';
import { renderInvoices } from './office/invoices';
import { renderKnowledge } from './office/knowledge';
import { renderReports } from './office/reports';
import { renderStock } from './office/stock';
import { renderCustomer } from './customer';
import { renderIntake } from './intake';
import { renderProfile } from './profile';
import { renderTasks } from './tasks';
import { renderTicket } from './ticket';

/** Renders into `view`; `alive()` turns false once the user has navigated elsewhere. */
export type Render = (view: HTMLElement, params: string[], query: URLSearchParams, alive: () => boolean) => Promise<void>;
export interface Route {
  pattern: RegExp;
  render: Render;
  admin?: boolean;
}

const ID = '([0-9a-fA-F-]{36})';
export const ROUTES: Route[] = [
  { pattern: /^\/$/, render: renderIntake },
  { pattern: new RegExp(`^/customer/${ID}$`), render: renderCustomer },
  { pattern: new RegExp(`^/ticket/${ID}$`), render: renderTicket },
  { pattern: /^\/tasks$/, render: renderTasks },
  { pattern: /^\/profile$/, render: renderProfile },
  { pattern: /^\/office\/contracts$/, render: renderContracts, admin: true },
  { pattern: new RegExp(`^/office/contracts/${ID}$`), render: renderContract, admin: true },
  { pattern: /^\/office\/stock$/, render: renderStock, admin: true },
  { pattern: /^\/office\/invoices$/, render: renderInvoices, admin: true },
  { pattern: /^\/office\/knowledge$/, render: renderKnowledge, admin: true },
  { pattern: /^\/office\/reports$/, render: renderReports, admin: true },
];
