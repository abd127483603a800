/** The connectorId values a diagram may use for connector operations (the modeler's pick list). */
import type { ConnectorView } from './connectors.service';

/** Built-ins as `<id>.<op>`; stored REST connectors as `<id>.<op>` (latest) and `<id>@<version>.<op>` (pinned, as their element templates). */
export function connectorRefs(connectors: readonly ConnectorView[]): string[] {
  return connectors.flatMap((c) => c.operations.flatMap((op) => (c.kind === 'rest' ? [`${c.id}.${op.id}`, `${c.id}@${c.version}.${op.id}`] : [`${c.id}.${op.id}`])));
}
