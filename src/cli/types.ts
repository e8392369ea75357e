/**
 * The CLI's seam: `npm run cli -- <group> <command> [options]`. Each group is one file in
 * src/cli/commands/ exporting a CommandGroup; src/cli/main.ts lists the groups (one line each).
 */
export interface Command {
  /** One line for `npm run cli -- help`. */
  summary: string;
  /** Options, shown by `npm run cli -- <group> <command> --help`. */
  usage?: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

export interface CommandGroup {
  summary: string;
  commands: Record<string, Command>;
}

/** A usage mistake: printed with the command's usage, exit code 64 (EX_USAGE). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
