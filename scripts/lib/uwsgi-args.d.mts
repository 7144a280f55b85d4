// Types of uwsgi-args.mjs, for the test launchers that import it.
export declare function uwsgiAppArgs(options: {
  port: number;
  app: string;
  dir: string;
  threads?: number;
  bufferSize?: number;
}): string[];
export declare function packetsAppArgs(options: { syncPort: number; spoolDir: string }): string[];
