// Which case values an element's expressions and instructions may name: the fields of
// the case's start form, the item of an enclosing multi-instance, and the fields of the
// forms of the human tasks that come before the element in this diagram. Values from
// earlier stages (other diagrams) exist too; the panel says so instead of guessing them.

import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import { getProperty } from './spiff-properties';

export const HUMAN_TASKS = [ 'bpmn:UserTask', 'bpmn:ManualTask' ];

/** The form a human task or start event uses: its `form` property, else the task id. */
export function formOf(element) {
  const form = getProperty(element, 'form');
  if (form || !isAny(element, HUMAN_TASKS)) { return form; }
  return getBusinessObject(element).id;
}

function earlierElements(bo) {
  const seen = new Set();
  const todo = [ bo ];
  const visit = (node) => {
    if (node && !seen.has(node)) { seen.add(node); todo.push(node); }
  };
  while (todo.length) {
    const node = todo.pop();
    (node.get('incoming') || []).forEach((flow) => visit(flow.sourceRef));
    if (node.attachedToRef) { visit(node.attachedToRef); }
    // Inside a subprocess, what came before the subprocess came before too.
    if (node.$parent && is(node.$parent, 'bpmn:SubProcess')) { visit(node.$parent); }
  }
  seen.delete(bo);
  return seen;
}

function loopItems(bo) {
  const items = [];
  for (let scope = bo; scope; scope = scope.$parent) {
    const loop = scope.loopCharacteristics;
    const item = loop && loop.inputDataItem;
    if (item && (item.name || item.id)) {
      const collection = loop.loopDataInputRef;
      items.push({ name: item.name || item.id, from: collection ? (collection.name || collection.id) : '' });
    }
  }
  return items;
}

/**
 * [{name, title, source}] for `element`; `forms` maps a form name to
 * {title, fields: [{name, title}]}, `startForm` names the case's start form, `translate`
 * is bpmn-js's service (for the source of a multi-instance's item).
 */
export function caseValues(element, forms, startForm, translate) {
  const bo = getBusinessObject(element);
  const found = new Map();
  const add = (name, title, source) => {
    if (name && !found.has(name)) { found.set(name, { name, title, source }); }
  };
  const addForm = (formName) => {
    const form = forms[formName];
    if (form) { form.fields.forEach((field) => add(field.name, field.title, form.title)); }
  };
  if (startForm) { addForm(startForm); }
  loopItems(bo).forEach((item) => add(item.name, item.from, translate('one item of {collection}', { collection: item.from })));
  for (const earlier of earlierElements(bo)) {
    if (isAny(earlier, HUMAN_TASKS) || is(earlier, 'bpmn:StartEvent')) {
      const formName = formOf({ businessObject: earlier });
      if (formName) { addForm(formName); }
    }
  }
  return Array.from(found.values());
}
