// The editor's properties panel, bundled by esbuild into web/static/vendor/nbassist-panel
// (`make vendor`). The page's own script (web/static/js/modeler.js) passes `modules` to
// bpmn-js's prebuilt modeler; when this file is missing the modeler still works, without
// the panel.

import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import FormPreview from './form-preview';
import PendingEdits, { debounceInput } from './pending-edits';
import NbassistPropertiesProvider from './provider';

const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

// The properties panel's own labels that mean something else in this project: ours instead.
const WORDS = {
  'Element documentation': () => translate('Instructions (Markdown, shown above the form)')
};

/**
 * bpmn-js's `translate` service, for the whole modeler. This project's words are English
 * templates (`translate('… {name} …', { name })`) that `make messages` extracts into the
 * catalogue (web/extractors.py); the page gives their translations into the reader's
 * language as `window.NbassistPanelWords` (English → translated, only those that differ:
 * web/admin/editor.py). What it lacks, bpmn-js's own words among them, stays English.
 */
function translate(template, replacements) {
  if (own(WORDS, template)) {
    return WORDS[template]();
  }
  const words = window.NbassistPanelWords || {};
  const text = own(words, template) ? words[template] : template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements && own(replacements, key) ? replacements[key] : '{' + key + '}'));
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
  documentation: () => translate('Shown above the form, as Markdown. The case values it may mention are listed under "Task for an organisation".'),
  timerEventDefinitionValue: () => translate('An expression: quote a duration, "P30D", or compute an ISO date-time from case values, end_date + "T09:00:00Z".')
};

window.NbassistPanel = {
  modules: [ BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, NbassistModule ],
  descriptions: DESCRIPTIONS
};
