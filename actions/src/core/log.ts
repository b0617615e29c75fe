/** A progress line for the user: the Actions log in a workflow, stderr on the CLI. */
export type Log = (message: string) => void;
