// Tells the page which form the selected element uses, so that it can show a preview
// of that form (the page's `config.nbassist.showForm(name)`; null: nothing to show).

import { is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import { HUMAN_TASKS, formOf } from './case-values';

export default function FormPreview(eventBus, selection, config) {
  const show = (config && config.showForm) || (() => {});
  let shown;
  const update = () => {
    const selected = selection.get();
    const element = selected.length === 1 ? selected[0] : null;
    const form = element && (isAny(element, HUMAN_TASKS) || is(element, 'bpmn:StartEvent')) ? formOf(element) || null : null;
    if (form !== shown) {
      shown = form;
      show(form);
    }
  };
  eventBus.on('selection.changed', update);
  eventBus.on('elements.changed', update);
}

FormPreview.$inject = [ 'eventBus', 'selection', 'config.nbassist' ];
