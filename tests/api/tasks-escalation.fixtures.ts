/** Shared by the escalation API test and the tasks-bulk e2e test: flows whose user task escalates after 1 s. */

/** A process whose user task `work` has a PT1S boundary timer; interrupting ones lead to `supervise`. */
export function escalationFlow(key: string, interrupting: boolean): string {
  const after = interrupting
    ? `<bpmn:userTask id="supervise" name="Supervise late refund" camunda:candidateGroups="warehouse" camunda:formKey="pick-confirm" camunda:priority="90"><bpmn:incoming>e3</bpmn:incoming><bpmn:outgoing>e4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="endSupervised"><bpmn:incoming>e4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="e4" sourceRef="supervise" targetRef="endSupervised" />`
    : `<bpmn:endEvent id="endFlagged"><bpmn:incoming>e3</bpmn:incoming></bpmn:endEvent>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_${key}" targetNamespace="http://ordo.dev/test">
  <bpmn:process id="${key}" name="${key}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>e1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Approve refund" camunda:candidateGroups="warehouse" camunda:formKey="pick-confirm" camunda:dueDate="PT8H"><bpmn:incoming>e1</bpmn:incoming><bpmn:outgoing>e2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="late" name="Refund late" attachedToRef="work" cancelActivity="${interrupting}">
      <bpmn:outgoing>e3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="lateTimer"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>e2</bpmn:incoming></bpmn:endEvent>
    ${after}
    <bpmn:sequenceFlow id="e1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="e2" sourceRef="work" targetRef="end" />
    <bpmn:sequenceFlow id="e3" sourceRef="late" targetRef="${interrupting ? 'supervise' : 'endFlagged'}" />
  </bpmn:process>
</bpmn:definitions>`;
}
