// The task properties of this project (processes/README.md): `spiffworkflow:property`
// elements inside `spiffworkflow:properties` in a task's extensionElements.
//
// bpmn-js is given no descriptor for the spiffworkflow namespace on purpose: it then keeps
// every spiffworkflow element as a generic ("any") element and writes it back unchanged,
// including the ones this panel does not edit (calledDecisionId, messageVariable, what a
// diagram from another tool brings). Edits replace the generic elements with new ones in
// one command, so undo and redo work.

import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

export const SPIFF_NS = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
const PROPERTIES = 'spiffworkflow:properties';
const PROPERTY = 'spiffworkflow:property';

function extensionValues(bo) {
  const extensionElements = bo.get('extensionElements');
  return (extensionElements && extensionElements.get('values')) || [];
}

function propertiesOf(bo) {
  return extensionValues(bo).find((value) => value.$type === PROPERTIES);
}

function propertyElements(bo) {
  const properties = propertiesOf(bo);
  return ((properties && properties.$children) || []).filter((child) => child.$type === PROPERTY);
}

/** The value of property `name` of a diagram element, '' when it has none. */
export function getProperty(element, name) {
  const found = propertyElements(getBusinessObject(element)).find((p) => p.name === name);
  return found ? String(found.value || '') : '';
}

/** Set (or, with an empty value, remove) property `name`, as one undoable command. */
export function setProperty(element, name, value, services) {
  const { moddle, modeling, bpmnFactory } = services;
  const bo = getBusinessObject(element);
  const old = propertiesOf(bo);
  const children = ((old && old.$children) || []).slice();
  const index = children.findIndex((c) => c.$type === PROPERTY && c.name === name);
  const text = (value || '').trim();
  if (text) {
    const property = moddle.createAny(PROPERTY, SPIFF_NS, { name, value: text });
    if (index >= 0) { children[index] = property; } else { children.push(property); }
  } else if (index >= 0) {
    children.splice(index, 1);
  } else {
    return; // nothing to remove
  }

  const properties = moddle.createAny(PROPERTIES, SPIFF_NS, {});
  properties.$children = children;
  children.forEach((child) => { child.$parent = properties; });

  const extensionElements = bo.get('extensionElements');
  if (!extensionElements) {
    const created = bpmnFactory.create('bpmn:ExtensionElements', { values: [ properties ] });
    properties.$parent = created;
    created.$parent = bo;
    modeling.updateProperties(element, { extensionElements: created });
    return;
  }
  const values = extensionValues(bo).slice();
  const at = values.indexOf(old);
  if (children.length) {
    properties.$parent = extensionElements;
    if (at >= 0) { values[at] = properties; } else { values.push(properties); }
  } else if (at >= 0) {
    values.splice(at, 1); // no property left: no empty spiffworkflow:properties either
  }
  modeling.updateModdleProperties(element, extensionElements, { values });
}
