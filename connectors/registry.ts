/** Every built-in connector, in one list (register, don't switch). Stored REST connectors join at run time. */
import type { ConnectorDefinition } from './sdk';
import { inventoryConnector } from './inventory/inventory.connector';
import { financeConnector } from './finance/finance.connector';
import { productionConnector } from './production/production.connector';
import { catalogConnector } from './catalog/catalog.connector';

export const BUILTIN_CONNECTORS: readonly ConnectorDefinition[] = [inventoryConnector, financeConnector, productionConnector, catalogConnector];
