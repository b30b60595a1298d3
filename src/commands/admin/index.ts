/** Administration (tasks/admin.ts): onboarding, suspending and reinstating partners, company prefixes, roles, a partner's report. */
export * from "./admin";
