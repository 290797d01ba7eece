// What the runtime knows about a pod's containers, and what it tells the agent.

/** One run of a container (a "container" in CRI terms): each restart is a new run with a new id. */
export interface ContainerRun {
  /** 64 hex digits; the status shows it as "knit://<id>". */
  id: string;
  /** The restart count this run was created with; its log is <attempt>.log. */
  attempt: number;
  state: 'running' | 'exited';
  pid?: number;
  startedAt: string;
  finishedAt?: string;
  /** 128 + the signal number when a signal ended it (137 for SIGKILL). */
  exitCode?: number;
  /** Completed, Error, OOMKilled, StartError, ContainerStatusUnknown. */
  reason?: string;
  message?: string;
}

/** The runtime's view of one container of the pod spec. */
export interface ContainerRecord {
  name: string;
  init: boolean;
  /** The normalized image reference (docker.io/library/nginx:1.25) once resolved. */
  image?: string;
  imageID?: string;
  restartCount: number;
  current?: ContainerRun;
  previous?: ContainerRun;
  /** Why the container is not running now: CrashLoopBackOff, CreateContainerConfigError, ... */
  waiting?: { reason: string; message?: string };
  /** The startup probe has succeeded (or there is none) for the current run. */
  started: boolean;
  /** The readiness probe reports success (or there is none) for the current run. */
  ready: boolean;
}

/** A Kubernetes Event about the pod, as the kubelet would record it. */
export interface RuntimeEvent {
  pod: { namespace: string; name: string; uid: string };
  /** The container the event is about: "spec.containers{nginx}", "spec.initContainers{init}". */
  fieldPath?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}
