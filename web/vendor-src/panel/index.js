// The editor's properties panel, bundled by esbuild into web/static/vendor/nbassist-panel
// (`make vendor`). The page's own script (web/static/js/modeler.js) passes `modules` to
// bpmn-js's prebuilt modeler; when this file is missing the modeler still works, without
// the panel.

import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import FormPreview from './form-preview';
import PendingEdits, { debounceInput } from './pending-edits';
import NbassistPropertiesProvider from './provider';

// The properties panel's own labels that mean something else in this project.
const WORDS = {
  'Element documentation': 'Instructions (Markdown, shown above the form)'
};

function translate(template, replacements) {
  const text = WORDS[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : '{' + key + '}'));
}

const NbassistModule = {
  __init__: [ 'nbassistPropertiesProvider', 'nbassistFormPreview' ],
  nbassistPropertiesProvider: [ 'type', NbassistPropertiesProvider ],
  nbassistFormPreview: [ 'type', FormPreview ],
  pendingEdits: [ 'type', PendingEdits ],
  debounceInput: [ 'factory', debounceInput ],
  translate: [ 'value', translate ]
};

// Hints under the properties panel's own entries, in this project's terms
// (the page passes them as `propertiesPanel.description`).
const DESCRIPTIONS = {
  documentation: () => 'Shown above the form, as Markdown. The case values it may mention are listed under "Task for an organisation".',
  timerEventDefinitionValue: () => 'An expression: quote a duration, "P30D", or compute an ISO date-time from case values, end_date + "T09:00:00Z".'
};

window.NbassistPanel = {
  modules: [ BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, NbassistModule ],
  descriptions: DESCRIPTIONS
};
