/** Minimal types for CommonJS packages that ship none. */
declare module 'bpmn-moddle' {
  interface ParseResult {
    rootElement: any;
    references: unknown[];
    warnings: Array<{ message: string; element?: { id?: string; $type?: string }; property?: string; value?: unknown }>;
    elementsById: Record<string, any>;
  }
  export default class BpmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string, options?: Record<string, unknown>): Promise<ParseResult>;
    toXML(element: unknown, options?: Record<string, unknown>): Promise<{ xml: string }>;
  }
}
