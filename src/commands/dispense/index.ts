/** Dispensing (tasks/dispense.ts): a pharmacy dispenses one pack, proven against its batch's serial tree. */
export * from "./dispensing";
