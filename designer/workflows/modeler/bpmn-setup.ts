/**
 * The bpmn-js set-up shared by the modeler and the instance viewer: the Camunda 7 and Ordo moddle
 * descriptors (the same files the engine loads), the Ordo lint rules, the translated texts.
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule } from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import lintModule from 'bpmn-js-bpmnlint';
import ordoModdle from '../../../workflows/bpmn/ordo.json';
import { ordoLintConfig } from '../../../workflows/bpmn/lint';
import { CatalogService, lintCatalog, type ModelerCatalog } from './catalog';
import { OrdoPropertiesProvider } from './ordo-properties';
import { translateModule } from './translate';

export const moddleExtensions = { camunda: camundaModdle, ordo: ordoModdle as unknown as Record<string, unknown> };

const ordoModule = {
  __init__: ['ordoPropertiesProvider'],
  ordoCatalog: ['type', CatalogService],
  ordoPropertiesProvider: ['type', OrdoPropertiesProvider],
};

export function createModeler(canvas: HTMLElement, panel: HTMLElement): Modeler {
  return new Modeler({
    container: canvas,
    // Ordo's group and General open by default; the rest stay as the user leaves them
    propertiesPanel: { parent: panel, layout: { groups: { general: { open: true }, 'ordo-service': { open: true }, 'ordo-rule': { open: true }, 'ordo-user': { open: true } } } },
    linting: { bpmnlint: ordoLintConfig(), active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      lintModule,
      ordoModule,
      translateModule,
    ],
    moddleExtensions,
  } as ConstructorParameters<typeof Modeler>[0]);
}

/** Gives the panel its pick lists and the linter the reference lists. */
export function applyCatalog(modeler: Modeler, catalog: ModelerCatalog): void {
  modeler.get<CatalogService>('ordoCatalog').set(catalog);
  modeler.get<{ setLinterConfig(c: unknown): void }>('linting').setLinterConfig(ordoLintConfig({ catalog: lintCatalog(catalog) }));
}

export function createViewer(container: HTMLElement): NavigatedViewer {
  return new NavigatedViewer({ container, additionalModules: [translateModule], moddleExtensions } as ConstructorParameters<typeof NavigatedViewer>[0]);
}
