/** GS1 verification requests (tasks/vrs.ts, `rx:verify --vrs`, the demo): serve the responder, ask a responder. */
export * from "./vrs-command";
