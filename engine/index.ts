/**
 * The workflow engine: a durable, stateless-per-command runtime on bpmn-engine 25 and MongoDB.
 *
 *   const runtime = new WorkflowRuntime({ connection, logger, connectors, rules, forms, printer, events });
 *   runtime.registerHandler('order.reserve', async (input, ctx) => …);
 *   await runtime.start();                       // indexes + this node's job poller
 *   await runtime.deploy({ xml, actor });        // version n+1
 *   await runtime.startInstance({ processKey: 'order-fulfilment', businessKey, variables });
 *   await runtime.tasks.complete(taskId, data, actor);
 *   await runtime.stop();
 *
 * See engine/README.md for the dialect, the guarantees and what is refused at deploy.
 */
export { WorkflowRuntime, SYSTEM_ACTOR, childIdOf, patchStateVariables, type WorkflowRuntimeOptions, type WorkflowEventSink, type StartInstanceInput } from './runtime/runtime';
export { checkVariables } from './runtime/variables';
export type { ServiceHandler, HandlerContext } from './runtime/deps';
export type { Command } from './runtime/session';
export { TaskService, type TaskActor, type TaskQuery, type TaskTarget } from './tasks/tasks';
export { FileFormRegistry, validateFormData, type FormDefinition } from './forms/forms';
export { BUILTIN_HANDLERS } from './handlers/builtin.handlers';
export { parseDefinition, assertSafeXml, MAX_BPMN_BYTES, type CompiledMeta } from './definitions/compile';
export { engineCollections, type EngineCollections } from './persistence/store';
export type { ActorRef, InstanceDoc, TaskDoc, JobDoc, IncidentDoc, HistoryDoc } from './persistence/store';
export type * from '../workflows/bpmn/views';
