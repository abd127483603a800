/** Types for the bpmn.io packages that ship none (only what the workflows area uses). */
declare module 'bpmn-js-properties-panel' {
  export const BpmnPropertiesPanelModule: unknown;
  export const BpmnPropertiesProviderModule: unknown;
  export const CamundaPlatformPropertiesProviderModule: unknown;
  export function useService<T = any>(name: string, strict?: boolean): T;
}

declare module '@bpmn-io/properties-panel' {
  type Component = (props: any) => unknown;
  export const SelectEntry: Component;
  export const TextFieldEntry: Component;
  export const NumberFieldEntry: Component;
  export const TextAreaEntry: Component;
  export const CheckboxEntry: Component;
  export function isTextAreaEntryEdited(node: unknown): boolean;
  export function isCheckboxEntryEdited(node: unknown): boolean;
  export function isSelectEntryEdited(node: unknown): boolean;
  export function isTextFieldEntryEdited(node: unknown): boolean;
  export function isNumberFieldEntryEdited(node: unknown): boolean;
}

declare module '@bpmn-io/properties-panel/preact' {
  export function h(type: unknown, props?: Record<string, unknown> | null, ...children: unknown[]): unknown;
}

declare module 'bpmn-js-bpmnlint' {
  const lintModule: unknown;
  export default lintModule;
}

declare module 'camunda-bpmn-js-behaviors/lib/camunda-platform' {
  const behaviors: unknown;
  export default behaviors;
}

declare module 'camunda-bpmn-moddle/resources/camunda.json' {
  const descriptor: Record<string, unknown>;
  export default descriptor;
}
