// A Job's pod failure policy and success policy (upstream's pod_failure_policy.go and
// success_policy.go): which rule a failed pod matches and what it does to the Job, and whether the
// succeeded indexes meet a success rule.

import type { ContainerStatus, Job, Pod } from '../../kube/types.js';
import { parseIntervals, total, type Intervals } from './indexes.js';

interface ExitCodesRequirement { containerName?: string; operator: 'In' | 'NotIn'; values: number[] }
interface ConditionPattern { type: string; status: string }
interface PodFailurePolicyRule { action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count'; onExitCodes?: ExitCodesRequirement; onPodConditions?: ConditionPattern[] }

export interface PodFailureMatch {
  /** Set when the rule fails the whole Job: the FailureTarget condition's message. */
  failJobMessage?: string;
  /** Whether the failure counts against backoffLimit. */
  countFailed: boolean;
  action?: PodFailurePolicyRule['action'];
}

function matchingContainer(statuses: ContainerStatus[] | undefined, req: ExitCodesRequirement): ContainerStatus | undefined {
  return (statuses ?? []).find((s) => {
    const terminated = s.state?.terminated;
    if (!terminated || terminated.exitCode === 0) return false;
    if (req.containerName != null && req.containerName !== s.name) return false;
    const listed = (req.values ?? []).includes(terminated.exitCode);
    return req.operator === 'In' ? listed : !listed;
  });
}

/**
 * matchPodFailurePolicy: the first rule the failed pod matches. FailIndex needs
 * backoffLimitPerIndex, which knit does not run: such a rule is passed over.
 */
export function matchPodFailurePolicy(job: Job, pod: Pod): PodFailureMatch {
  const rules = (job.spec.podFailurePolicy?.rules ?? []) as PodFailurePolicyRule[];
  for (const [i, rule] of rules.entries()) {
    if (rule.onExitCodes) {
      const c = matchingContainer(pod.status?.containerStatuses, rule.onExitCodes) ?? matchingContainer(pod.status?.initContainerStatuses, rule.onExitCodes);
      if (!c) continue;
      if (rule.action === 'Ignore') return { countFailed: false, action: 'Ignore' };
      if (rule.action === 'Count') return { countFailed: true, action: 'Count' };
      if (rule.action === 'FailJob') {
        return {
          countFailed: true, action: 'FailJob',
          failJobMessage: `Container ${c.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${c.state!.terminated!.exitCode} matching FailJob rule at index ${i}`,
        };
      }
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((pc) => rule.onPodConditions!.some((p) => p.type === pc.type && p.status === pc.status));
      if (!cond) continue;
      if (rule.action === 'Ignore') return { countFailed: false, action: 'Ignore' };
      if (rule.action === 'Count') return { countFailed: true, action: 'Count' };
      if (rule.action === 'FailJob') {
        return { countFailed: true, action: 'FailJob', failJobMessage: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${cond.type} matching FailJob rule at index ${i}` };
      }
    }
  }
  return { countFailed: true };
}

/** How many of the required indexes succeeded: the whole list, or at least succeededCount of it. */
function matchSucceededIndexesRule(required: Intervals, succeeded: Intervals, succeededCount: number | undefined): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  while (r < required.length && s < succeeded.length) {
    const overlap = Math.min(required[r].last, succeeded[s].last) - Math.max(required[r].first, succeeded[s].first) + 1;
    if (overlap > 0) contains += overlap;
    if (succeeded[s].last < required[r].last) s++;
    else r++;
  }
  return contains === total(required) || (succeededCount !== undefined && contains >= succeededCount);
}

/** matchSuccessPolicy: the message of the SuccessCriteriaMet condition when a rule is met. */
export function matchSuccessPolicy(job: Job, succeeded: Intervals): string | undefined {
  const rules = job.spec.successPolicy?.rules;
  if (!rules || succeeded.length === 0) return undefined;
  const completions = job.spec.completions ?? 0;
  for (const [i, rule] of rules.entries()) {
    if (rule.succeededIndexes != null) {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount)) return `Matched rules at index ${i}`;
    } else if (rule.succeededCount != null && total(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}
