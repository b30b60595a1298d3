/**
 * Commissioning (tasks/manufacturer.ts): one batch with its serial tree and certificate (`rx:commission`), and a
 * whole CSV or JSON file of batches, checked line by line and re-runnable (`rx:import`, batch-import.ts).
 */
export * from "./commission";
export * from "./batch-import";
