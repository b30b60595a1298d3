/**
 * The cast and products of the demonstration journey (accounts, GLNs, GTINs, certificate, cold chain): one
 * story shared by the tests, the gas bench and `npm run demo`. Its own folder because it is neither domain
 * logic nor a command, and three entry points share it.
 */
export * from "./scenario";
export * from "./vrs-step";
export * from "./settlement-step";
