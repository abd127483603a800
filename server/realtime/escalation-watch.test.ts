import fs from 'node:fs';
import path from 'node:path';
import { parseDefinition } from '../../engine';
import { boundaryTimersOf } from './escalation-watch';

const timers = async (xml: string) => boundaryTimersOf((await parseDefinition(xml)).root);

describe('boundary timers on user tasks (what an escalation concerns)', () => {
  it('given the shipped warehouse-pick flow, then its pick task has one non-interrupting timer whose path reaches no user task', async () => {
    const xml = fs.readFileSync(path.join(__dirname, '..', '..', 'workflows', 'processes', 'warehouse-pick.bpmn'), 'utf8');
    expect(await timers(xml)).toEqual([{ id: 'pickLate', name: 'Pick late', attachedTo: 'pick', attachedName: 'Pick order', interrupting: false, outgoing: ['p3'], targets: [] }]);
  });

  it('given an interrupting timer whose path passes a gateway, then the user tasks behind it are the ones escalated to', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="t-reassign" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>e1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" camunda:candidateGroups="warehouse" camunda:formKey="pick-confirm"><bpmn:incoming>e1</bpmn:incoming><bpmn:outgoing>e2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="late" attachedToRef="work"><bpmn:outgoing>e3</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>e3</bpmn:incoming><bpmn:outgoing>e4</bpmn:outgoing><bpmn:outgoing>e5</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="lead" camunda:candidateGroups="leads" camunda:formKey="pick-confirm"><bpmn:incoming>e4</bpmn:incoming><bpmn:outgoing>e6</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="redo" camunda:candidateGroups="warehouse" camunda:formKey="pick-confirm"><bpmn:incoming>e5</bpmn:incoming><bpmn:outgoing>e7</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>e2</bpmn:incoming><bpmn:incoming>e6</bpmn:incoming><bpmn:incoming>e7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="e1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="e2" sourceRef="work" targetRef="end" />
    <bpmn:sequenceFlow id="e3" sourceRef="late" targetRef="split" />
    <bpmn:sequenceFlow id="e4" sourceRef="split" targetRef="lead" />
    <bpmn:sequenceFlow id="e5" sourceRef="split" targetRef="redo" />
    <bpmn:sequenceFlow id="e6" sourceRef="lead" targetRef="end" />
    <bpmn:sequenceFlow id="e7" sourceRef="redo" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`;
    expect(await timers(xml)).toEqual([{ id: 'late', name: 'late', attachedTo: 'work', attachedName: 'work', interrupting: true, outgoing: ['e3'], targets: ['lead', 'redo'] }]);
  });

  it('given the reference order flow, then it has none (its changes cost the watch nothing)', async () => {
    const xml = fs.readFileSync(path.join(__dirname, '..', '..', 'workflows', 'processes', 'order-fulfilment.bpmn'), 'utf8');
    expect(await timers(xml)).toEqual([]);
  });
});
