/** Payment on delivery (tasks/settlement.ts): invoices escrowed beside the suite, bound to pack legs, claimed. */
export * from "./invoices";
