// This package's router in its own process for the load benchmark:
// `node bench/load/router-process.mjs <listen: port|socket path> <backend address>`. One static
// pool with the one backend, defaults otherwise. Prints "ready" once listening; exits on SIGTERM.
// ROUTER_DIST=/path/to/dist/node.js runs another build (bench/load/router-ab.mjs compares two).
const { createRouter } = await import(process.env.ROUTER_DIST ?? "../../dist/node.js");

const [listen, backend] = process.argv.slice(2);
const router = createRouter({ pools: { app: { nodes: [backend] } }, defaultPool: "app" });
router.on("error", (err) => {
  console.error(`router: ${err.stack ?? err}`);
  process.exit(1);
});
// A path means a unix socket; else `host:port` (or a bare port) on 127.0.0.1.
const args = listen.includes("/")
  ? [listen]
  : [Number(listen.slice(listen.lastIndexOf(":") + 1)), "127.0.0.1"];
router.listen(...args, () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => process.exit(0));
