import type { Scenario } from "../scenarios.js";
import { beforeTasks, codecTasks } from "./codec.js";
import { fastcgiTasks } from "./fastcgi.js";
import { limitTasks } from "./limits.js";
import { npmPeerTasks } from "./npm-peers.js";
import { scgiTasks } from "./scgi.js";
import type { BenchTask } from "./task.js";
import { uwsgiTasks } from "./uwsgi.js";

/** Every task for one scenario, in table order. */
export function scenarioTasks(s: Scenario): BenchTask[] {
  return [
    ...codecTasks(s),
    ...uwsgiTasks(s),
    ...fastcgiTasks(s),
    ...scgiTasks(s),
    ...npmPeerTasks(s),
    ...limitTasks(s),
    ...beforeTasks(s),
  ];
}
