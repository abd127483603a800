/**
 * Business rules: the fact registry, validation, the evaluation runtime and the RuleEvaluator port.
 * The server wires a RuleSetStore (MongoDB) and FactSources (connectors, order history) in:
 *
 *   const runtime = new RuleSetRuntime({ sources, factTimeoutMs: 2000 });
 *   const evaluator = createRuleEvaluator({ published: store, runtime }); // engine/ports RuleEvaluator
 */
export { RuleSetRuntime, type CompiledRuleSet, type EvaluateOptions, type BacktestResult } from './runtime';
export { createRuleEvaluator, parseRuleSetRef, type OrdoRuleEvaluator, type PublishedRuleSets } from './evaluator';
export { RuleSetStore, hashRuleSet, DRAFT_VERSION, type RuleSetSummary, type VersionSummary } from './rule-set.model';
export { parseRuleSet, checkRuleSet } from './validate';
export {
  FACT_REGISTRY,
  factCatalog,
  type CatalogField,
  type FactSources,
  type WarehouseStock,
  type CustomerCredit,
  type CustomerHistory,
  type CapacitySlot,
} from './facts';
export { OPERATOR_SPECS, OPERATOR_FUNCTIONS } from './operators';
export { resolvePath } from './path';
