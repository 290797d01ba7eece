// Shapes shared by the image catalog and its users (the node runtime).

/** Something the agent should tell the user about, recorded as an Event on the pod. */
export interface ImageNote {
  /** Event reason: StandIn (no known program: a stand-in server runs), BuiltinFallback, HostCommand. */
  reason: string;
  message: string;
}

/** A file the runtime writes before starting the container (e.g. nginx's config). */
export interface GeneratedFile {
  path: string;
  content: string;
}

export interface ImageContext {
  /** A directory of this container's own for generated files (config, pid and temp paths). */
  stateDir: string;
  /** Where prepareImageTools put the shared tool links (busybox applets). */
  toolsDir: string;
  /** The pod's name: what the stand-in server answers with. */
  podName: string;
  /** PATH lookup for entrypoint scripts that test `command -v`; defaults to the machine's PATH. */
  which?: (command: string, path: string) => boolean;
}

export interface ResolvedImage {
  /** The process to start: argv[0] is a path or a name looked up on env.PATH. */
  argv: string[];
  /** The image's own environment (PATH first); the container's env goes on top of it. */
  env: Record<string, string>;
  notes: ImageNote[];
  files: GeneratedFile[];
  /** The reference with defaults applied, as a container status reports `image`. */
  image: string;
  /** A stable id for the image as knit runs it, as a container status reports `imageID`. */
  imageID: string;
}
