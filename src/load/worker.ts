// A load worker thread: runs one engine on its share of the plan, reports progress, posts the
// result (histograms encoded) and exits. Started by runLoad() with `threads` > 1.
import { parentPort, workerData } from "node:worker_threads";
import { type EnginePlan, runEngine } from "./engine.js";
import { postable, type WorkerMessage } from "./run-load.js";

const port = parentPort!;
const engine = runEngine(workerData as EnginePlan);
port.on("message", (m: unknown) => {
  if (m === "stop") engine.stop();
});
const timer = setInterval(() => {
  const r = engine.result;
  let failed = 0;
  for (const v of Object.values(r.errors)) failed += v;
  port.postMessage({
    type: "progress",
    sent: r.sent,
    completed: r.completed,
    failed,
  } satisfies WorkerMessage);
}, 200);
const result = await engine.done;
clearInterval(timer);
port.postMessage({ type: "done", result: postable(result) } satisfies WorkerMessage);
port.close();
