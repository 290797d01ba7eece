// A cluster that cannot start, for a reason the user can act on: the knit command prints the
// message alone (no stack) and exits 2.

export class StartError extends Error {}
