// The panel groups for this project's properties, added after bpmn-js-properties-panel's
// own (name, id, instructions, timer, multi-instance): a human task's role, form,
// deadline and reminders; a start event's form; a lane's role; a flow's condition.

import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';
import { Group, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';

import { HUMAN_TASKS } from './case-values';
import {
  CaseValuesEntry, ConditionEntry, DueDateEntry, DueEntry, FormEntry, LaneRoleEntry,
  RemindersEntry, RoleEntry, RoleVariableEntry
} from './entries';

const LOW_PRIORITY = 500;
const BRANCHING = [ 'bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway', 'bpmn:ComplexGateway' ];

function group(id, label, entries) {
  return { id, label, component: Group, entries, shouldOpen: true }; // open: they matter most here
}

function taskGroup(element, translate) {
  return group('nbassist-task', translate('Task for an organisation'), [
    { id: 'nbassist-role', component: RoleEntry },
    { id: 'nbassist-role-variable', component: RoleVariableEntry, isEdited: isTextFieldEntryEdited },
    { id: 'nbassist-form', component: FormEntry, isEdited: isSelectEntryEdited },
    { id: 'nbassist-due', component: DueEntry, isEdited: isTextFieldEntryEdited },
    { id: 'nbassist-due-date', component: DueDateEntry, isEdited: isTextAreaEntryEdited },
    { id: 'nbassist-reminders', component: RemindersEntry, isEdited: isTextFieldEntryEdited },
    { id: 'nbassist-case-values', component: CaseValuesEntry }
  ].map((entry) => ({ ...entry, element })));
}

function isPlainStart(element) {
  const bo = getBusinessObject(element);
  return is(element, 'bpmn:StartEvent') && !(bo.eventDefinitions || []).length && is(bo.$parent, 'bpmn:Process');
}

function needsCondition(element) {
  const bo = getBusinessObject(element);
  return is(element, 'bpmn:SequenceFlow') && (isAny(bo.sourceRef, BRANCHING) || !!bo.conditionExpression);
}

export function groupsFor(element, translate) {
  if (isAny(element, HUMAN_TASKS)) {
    return [ taskGroup(element, translate) ];
  }
  if (isPlainStart(element)) {
    return [ group('nbassist-start', translate('Start form'), [ { id: 'nbassist-form', component: FormEntry, isEdited: isSelectEntryEdited, element } ]) ];
  }
  if (is(element, 'bpmn:Lane')) {
    return [ group('nbassist-lane', translate('Role'), [ { id: 'nbassist-lane-role', component: LaneRoleEntry, isEdited: isSelectEntryEdited, element } ]) ];
  }
  if (needsCondition(element)) {
    return [ group('nbassist-condition', translate('Condition'), [
      { id: 'nbassist-condition', component: ConditionEntry, isEdited: isTextAreaEntryEdited, element },
      { id: 'nbassist-case-values', component: CaseValuesEntry, element }
    ]) ];
  }
  return [];
}

export default function NbassistPropertiesProvider(propertiesPanel, translate) {
  this._translate = translate;
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

NbassistPropertiesProvider.$inject = [ 'propertiesPanel', 'translate' ];

NbassistPropertiesProvider.prototype.getGroups = function(element) {
  return (groups) => {
    // Ours right after "General" (name and id): they matter most to this project.
    const at = groups.findIndex((g) => g.id === 'general') + 1;
    groups.splice(at, 0, ...groupsFor(element, this._translate));
    return groups;
  };
};
