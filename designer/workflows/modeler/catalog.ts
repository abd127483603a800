/**
 * What an analyst can pick in the properties panel: handlers (built-in and connector operations),
 * rule sets, forms, print templates. Held by a diagram-js service so the panel and the linter see
 * the same lists; `set()` re-renders the panel.
 */
import type { OrdoCatalog } from '../../../workflows/bpmn/lint';

/** One typed input of a connector operation, as its element template describes it. */
export interface HandlerInput {
  /** the camunda:inputParameter name */
  name: string;
  label: string;
  type: 'String' | 'Text' | 'Boolean' | 'Dropdown';
  description?: string;
  required: boolean;
  /** written when the operation is chosen */
  value?: string;
  choices?: Array<{ name: string; value: string }>;
  /** literal form the value must have (numbers, booleans), expressions `${…}` allowed */
  pattern?: { value: string; message: string };
}

export interface HandlerChoice {
  /** the camunda:connector connectorId, e.g. "erp.reserveStock" */
  id: string;
  label: string;
  /** the operation's typed inputs (from its element template); none for built-in handlers */
  inputs: HandlerInput[];
  /** output mapping: a camunda:outputParameter whose value is `source`, named by the user (default `name`) */
  output?: { source: string; name?: string };
}

export interface ModelerCatalog {
  handlers: HandlerChoice[];
  ruleSets: string[];
  forms: string[];
  templates: string[];
  processes: string[];
  /** candidate groups known to Ordo (users carry them), offered as a hint */
  groups: string[];
  /** which lists came from the server; lint checks references only for those */
  known: { handlers: boolean; ruleSets: boolean; forms: boolean; templates: boolean; processes: boolean };
}

export const EMPTY_CATALOG: ModelerCatalog = {
  handlers: [],
  ruleSets: [],
  forms: [],
  templates: [],
  processes: [],
  groups: [],
  known: { handlers: false, ruleSets: false, forms: false, templates: false, processes: false },
};

/** The reference lists for the lint rule `ordo/references`: only lists the server really gave. */
export function lintCatalog(c: ModelerCatalog): OrdoCatalog | undefined {
  const out: OrdoCatalog = {};
  if (c.known.handlers) out.connectors = c.handlers.map((h) => h.id);
  if (c.known.ruleSets) out.ruleSets = c.ruleSets;
  if (c.known.forms) out.forms = c.forms;
  if (c.known.templates) out.templates = c.templates;
  if (c.known.processes) out.processes = c.processes;
  return Object.keys(out).length ? out : undefined;
}

interface EventBusLike {
  fire(type: string, data?: unknown): unknown;
}

/** diagram-js service `ordoCatalog`. */
export class CatalogService {
  static $inject = ['eventBus'];
  private current: ModelerCatalog = EMPTY_CATALOG;
  constructor(private readonly eventBus: EventBusLike) {}

  get(): ModelerCatalog {
    return this.current;
  }

  set(catalog: ModelerCatalog): void {
    this.current = catalog;
    this.eventBus.fire('propertiesPanel.providersChanged');
  }
}
