/**
 * Commands to the ticket's equipment in the panel: the asset's recent commands with their state
 * (sent → acknowledged → succeeded / failed / timed out), updated live from
 * GET /api/v1/stream/commands, those sent for this ticket marked; and a form to send one of the
 * commands the asset's model declares (POST /assets/:id/commands with the ticket's id), its
 * parameters as typed inputs. The server checks the parameters again and names a bad field.
 */
import { h } from '../shared/dom';
import { fmtDateTime, relative, titleCase, toast, toastError } from '../shared/ui';
import { client, ok, type Model } from './api';
import type { Ok } from '../shared/api';
import { card } from './sections';

export type Command = Ok<'/api/v1/assets/{id}/commands', 'get'>['items'][number];
type Definition = NonNullable<Model['commands']>[string];
type Parameter = Definition['parameters'][string];

const FINAL = new Set(['succeeded', 'failed', 'timed_out']);
const TONE: Record<string, string> = { succeeded: 'ok', failed: 'bad', timed_out: 'bad', acknowledged: 'info', sent: 'info', pending: 'muted' };

export const loadCommands = async (assetId: string): Promise<Command[]> =>
  (await ok(client.GET('/api/v1/assets/{id}/commands', { params: { path: { id: assetId }, query: { limit: 10 } } }))).items;

/** A live command event folded into the list (newest first, at most 10). */
export function mergeCommand(list: readonly Command[], command: Command): Command[] {
  const rest = list.filter((c) => c.id !== command.id);
  return [command, ...rest].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 10);
}

function input(name: string, p: Parameter): HTMLElement {
  const common = { name: `cmd-${name}`, 'aria-label': p.description, required: p.required };
  if (p.type === 'boolean') return h('input', { ...common, type: 'checkbox', required: false });
  if (p.type === 'enum')
    return h(
      'select.input',
      common,
      (p.values ?? []).map((v) => h('option', { value: v }, v)),
    );
  if (p.type === 'string') return h('input.input', { ...common, type: 'text', maxLength: p.maxLength ?? 200 });
  return h('input.input', { ...common, type: 'number', min: p.min, max: p.max, step: p.type === 'integer' ? 1 : 'any' });
}

function readParameters(form: HTMLFormElement, def: Definition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(def.parameters)) {
    const el = form.elements.namedItem(`cmd-${name}`) as HTMLInputElement | HTMLSelectElement | null;
    if (!el) continue;
    if (p.type === 'boolean') out[name] = (el as HTMLInputElement).checked;
    else if (el.value === '') continue;
    else out[name] = p.type === 'number' || p.type === 'integer' ? Number(el.value) : el.value;
  }
  return out;
}

export function commandsCard(options: {
  assetId: string;
  ticketId: string;
  model: Model | null | undefined;
  commands: Command[] | null | undefined;
  /** The command chosen in the form, kept across re-renders. */
  chosen: string | null;
  onChoose(name: string): void;
  onSent(command: Command): void;
}): HTMLElement | null {
  const defs = Object.entries(options.model?.commands ?? {});
  if (defs.length === 0 && !options.commands?.length) return null;
  const chosen = defs.find(([name]) => name === options.chosen) ?? defs[0];
  let form: HTMLFormElement | null = null;
  if (chosen) {
    const [name, def] = chosen;
    const picker = h(
      'select.input',
      { name: 'cmd-name', 'aria-label': 'Command', onchange: (e: Event) => options.onChoose((e.target as HTMLSelectElement).value) },
      defs.map(([n, d]) => h('option', { value: n, selected: n === name }, d.title)),
    );
    form = h(
      'form.cmd-form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          const button = form!.querySelector('button')!;
          button.disabled = true;
          try {
            const command = await ok(
              client.POST('/api/v1/assets/{id}/commands', {
                params: { path: { id: options.assetId } },
                body: { command: name, parameters: readParameters(form!, def), ticketId: options.ticketId },
              }),
            );
            toast('success', `${def.title}: sent`, 'The device answers on its own; the state updates here.');
            options.onSent(command);
          } catch (error) {
            toastError(error, def.title);
          } finally {
            button.disabled = false;
          }
        },
      },
      h('label.field', h('span.field-label', 'Command'), picker),
      h('p.muted.small', def.description),
      Object.entries(def.parameters).map(([pname, p]) =>
        h('label.field', h('span.field-label', `${p.description}${p.unit ? ` (${p.unit})` : ''}`), input(pname, p)),
      ),
      h('button.btn.btn-secondary.btn-sm', { type: 'submit' }, 'Send to device'),
    );
  }
  const list = options.commands;
  const titleOf = (c: Command): string => options.model?.commands?.[c.command]?.title ?? titleCase(c.command);
  return card(
    'Equipment commands',
    list?.some((c) => !FINAL.has(c.state)) ? h('span.muted.small', 'waiting for the device…') : null,
    list == null
      ? h('p.muted.small', 'Loading…')
      : list.length === 0
        ? h('p.muted.small', 'No command sent to this asset yet.')
        : h(
            'ul.cmd-list',
            list.map((c) =>
              h(
                'li.cmd',
                { dataset: { commandId: c.id, state: c.state } },
                h('span', titleOf(c)),
                Object.keys(c.parameters).length
                  ? h(
                      'span.muted.small.mono',
                      Object.entries(c.parameters)
                        .map(([k, v]) => `${k}=${String(v)}`)
                        .join(' '),
                    )
                  : null,
                h(`span.chip.chip-${TONE[c.state] ?? 'muted'}`, titleCase(c.state)),
                c.ticketId === options.ticketId ? h('span.tag', 'this ticket') : null,
                h('span.muted.small', { title: fmtDateTime(c.createdAt) }, relative(c.createdAt)),
                c.message ? h('span.small.cmd-message', c.message) : null,
              ),
            ),
          ),
    form,
  );
}
