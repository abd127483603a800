/** The engine's collections as the operations module reads them (through engine/'s index only). */
export { engineCollections } from '../../engine/persistence/store';
export type { InstanceDoc, EngineCollections as EngineCollectionsView } from '../../engine/persistence/store';
