/** Product safety (tasks/safety.ts): recalls, holds and their release, quarantine and destruction of stock. */
export * from "./safety-actions";
