/** Alerts (tasks/watch.ts, the demo): `rx:watch` from its flags, over the watcher of src/watch. */
export * from "./watch-command";
export * from "./demo-alerts";
