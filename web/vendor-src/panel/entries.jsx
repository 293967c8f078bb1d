// The entries of the panel's "Task", "Role" and "Condition" groups: each one reads and
// writes one property of this project (processes/README.md) through bpmn-js commands.
// Every word goes through bpmn-js's `translate` service (index.js), English templates
// with `{placeholders}`, so that `make messages` finds them for the catalogue.

import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { SelectEntry, TextAreaEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useCallback } from '@bpmn-io/properties-panel/preact/hooks';
import { useService } from 'bpmn-js-properties-panel';

import { caseValues, formOf } from './case-values';
import { getProperty, setProperty } from './spiff-properties';

const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$/;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

export function checkDuration(value, translate) {
  const text = (value || '').trim();
  return !text || DURATION.test(text) ? null : translate('Write an ISO 8601 duration such as P7D (7 days) or PT24H (24 hours).');
}

export function checkDurations(value, translate) {
  const items = (value || '').split(',').map((item) => item.trim()).filter(Boolean);
  return items.every((item) => DURATION.test(item)) ? null : translate('Write durations separated by commas, such as P7D,P1D.');
}

function checkReminders(value, translate) {
  return (value || '').trim() ? checkDurations(value, translate) : null;
}

function checkIdentifier(value, translate) {
  const text = (value || '').trim();
  return !text || IDENTIFIER.test(text) ? null : translate('Write a variable name: letters, digits and _, starting with a letter.');
}

/**
 * A check for `validate`, in the reader's language. The same function from one render to
 * the next: the entry checks the diagram's value again whenever `validate` changes, which
 * would hide the error of what was just typed (invalid input is not written).
 */
function useCheck(check) {
  const translate = useService('translate');
  return useCallback((value) => check(value, translate), [ check, translate ]);
}

function useEditing() {
  return {
    moddle: useService('moddle'),
    modeling: useService('modeling'),
    bpmnFactory: useService('bpmnFactory')
  };
}

/** A text entry for one spiffworkflow property; invalid input is shown, not written. */
function PropertyField(props) {
  const { element, id, name, label, description, validate, area } = props;
  const editing = useEditing();
  const debounce = useService('debounceInput');
  const options = {
    element,
    id,
    label,
    description,
    debounce,
    validate,
    getValue: () => getProperty(element, name),
    setValue: (value, error) => { if (!error) { setProperty(element, name, value, editing); } }
  };
  return area ? TextAreaEntry({ ...options, monospace: true, rows: 2 }) : TextFieldEntry(options);
}

export function DueEntry({ element }) {
  const translate = useService('translate');
  return PropertyField({
    element, id: 'nbassist-due', name: 'due', label: translate('Due after'),
    description: translate('How long the organisation has, from when the task opens: P7D is 7 days, PT24H is 24 hours.'),
    validate: useCheck(checkDuration)
  });
}

export function DueDateEntry({ element }) {
  const translate = useService('translate');
  return PropertyField({
    element, id: 'nbassist-due-date', name: 'due_date', label: translate('Due date (expression)'), area: true,
    description: translate('Instead of "Due after": an expression giving a date from case values, e.g. add_days(end_date, -14).')
  });
}

export function RemindersEntry({ element }) {
  const translate = useService('translate');
  return PropertyField({
    element, id: 'nbassist-reminders', name: 'reminders', label: translate('Reminders before the due time'),
    description: translate('Lead times, separated by commas. Left empty: P3D,P1D (three days and one day before).'),
    validate: useCheck(checkReminders)
  });
}

export function RoleVariableEntry({ element }) {
  const translate = useService('translate');
  return PropertyField({
    element, id: 'nbassist-role-variable', name: 'role_variable', label: translate('Role from a case value'),
    description: translate('Optional: the name of a case value that holds the role code; it wins over the lane.'),
    validate: useCheck(checkIdentifier)
  });
}

function laneOf(element) {
  const lanes = getBusinessObject(element).get('lanes') || [];
  return lanes.length ? lanes[lanes.length - 1] : null;
}

/** Read only: a task's role is its lane's; moving the task to another lane changes it. */
export function RoleEntry({ element }) {
  const config = useService('config.nbassist') || {};
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  const lane = laneOf(element);
  const role = lane ? (lane.name || '').trim() : '';
  const label = (config.roles || []).find((r) => r.code === role);
  return TextFieldEntry({
    element,
    id: 'nbassist-role',
    label: translate('Role (from its lane)'),
    disabled: true,
    debounce,
    description: lane
      ? translate('Move the task into another lane to give it to another role.')
      : translate('In no lane: the task goes to the coordinator. Move it into a lane to give it to a role.'),
    getValue: () => (role ? (label ? role + ' — ' + label.label : role) : 'coordinator'),
    setValue: () => {}
  });
}

export function FormEntry({ element }) {
  const config = useService('config.nbassist') || {};
  const editing = useEditing();
  const translate = useService('translate');
  const forms = config.forms || {};
  const human = !is(element, 'bpmn:StartEvent');
  const id = getBusinessObject(element).id;
  const getOptions = () => {
    const current = getProperty(element, 'form');
    const byName = forms[id]
      ? translate('The form named like the task ({id})', { id })
      : translate('The form named like the task ({id}) — not in the library', { id });
    const options = [ { value: '', label: human ? byName : translate('No start form') } ];
    if (current && !forms[current]) {
      options.push({ value: current, label: translate('{form} — not in the library', { form: current }) });
    }
    Object.keys(forms).sort().forEach((name) => {
      options.push({ value: name, label: forms[name].title + ' (' + name + ')' });
    });
    return options;
  };
  return SelectEntry({
    element,
    id: 'nbassist-form',
    label: translate('Form'),
    description: translate('What the organisation fills in; a preview is shown under the diagram.'),
    getValue: () => getProperty(element, 'form'),
    setValue: (value) => setProperty(element, 'form', value, editing),
    getOptions
  });
}

/** The case values an element may name, as a list under its own heading. */
export function CaseValuesEntry({ element }) {
  const config = useService('config.nbassist') || {};
  const translate = useService('translate');
  const target = is(element, 'bpmn:SequenceFlow') ? getBusinessObject(element).sourceRef : element;
  const values = target ? caseValues(target, config.forms || {}, config.startForm, translate) : [];
  return (
    <div class="bio-properties-panel-entry nb-case-values" data-entry-id="nbassist-case-values">
      <p class="bio-properties-panel-label" id="nb-case-values-title">{translate('Case values it may use')}</p>
      <p class="bio-properties-panel-description">
        {translate('For the due-date expression, conditions and the instructions: the values recorded ' +
          'before this point in this diagram, and those of earlier stages.')}
      </p>
      {values.length ? (
        <ul aria-labelledby="nb-case-values-title">
          {values.map((value) => (
            <li><code>{value.name}</code> {value.title ? '— ' + value.title : ''} <span>({value.source})</span></li>
          ))}
        </ul>
      ) : <p class="bio-properties-panel-description">{translate('None known in this diagram.')}</p>}
    </div>
  );
}

export function LaneRoleEntry({ element }) {
  const config = useService('config.nbassist') || {};
  const modeling = useService('modeling');
  const translate = useService('translate');
  const roles = config.roles || [];
  return SelectEntry({
    element,
    id: 'nbassist-lane-role',
    label: translate('Role of this lane'),
    description: translate('Every human task in the lane goes to the organisation that fills this role in the case team.'),
    getValue: () => (getBusinessObject(element).name || '').trim(),
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => {
      const current = (getBusinessObject(element).name || '').trim();
      const options = roles.map((role) => ({ value: role.code, label: role.label + ' (' + role.code + ')' }));
      if (!roles.some((role) => role.code === current)) {
        options.unshift({
          value: current,
          label: current ? translate('{name} — not a role code', { name: current }) : translate('Choose a role')
        });
      }
      return options;
    }
  });
}

export function ConditionEntry({ element }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  return TextAreaEntry({
    element,
    id: 'nbassist-condition',
    label: translate('Condition (expression)'),
    description: translate('The flow is taken when this is true, e.g. decision == "return". Left empty: no condition.'),
    monospace: true,
    rows: 2,
    debounce,
    getValue: () => {
      const expression = getBusinessObject(element).get('conditionExpression');
      return (expression && expression.get('body')) || '';
    },
    setValue: (value) => {
      const text = (value || '').trim();
      const expression = text ? bpmnFactory.create('bpmn:FormalExpression', { body: text }) : undefined;
      modeling.updateProperties(element, { conditionExpression: expression });
    }
  });
}

export { formOf };
