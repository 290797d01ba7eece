// Errors the user can act on: the knit command prints the message alone (no stack) and exits 2.

/** A cluster that cannot start, and why. */
export class StartError extends Error {}

/**
 * What was asked for is not there: the cluster is not running, or has no such node. The cluster
 * layer says so without knowing about command lines; the knit command maps it to a usage error.
 */
export class NotFoundError extends Error {}
