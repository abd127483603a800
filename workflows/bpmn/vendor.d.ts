/** Types for the CommonJS bpmnlint rule modules (they ship none for their rules folder). */
declare module 'bpmnlint/rules/*' {
  const factory: (config?: unknown) => { check(node: unknown, reporter: { report(id: string, message: string): void }): void };
  export default factory;
}
declare module 'bpmnlint/lib/traverse' {
  const traverse: (element: any, options: { enter?: (node: any) => unknown; leave?: (node: any) => unknown }) => void;
  export default traverse;
}
