/** The RxTrace ABI from the compiled artifact (`npm run compile`): every event the suite emits. */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Abi } from "viem";
import { repositoryRoot } from "./settings";

const artifact = path.join(repositoryRoot, "artifacts", "contracts", "RxTrace.sol", "RxTrace.json");

export const RxTraceAbi = (JSON.parse(readFileSync(artifact, "utf8")) as { abi: Abi }).abi;

/** The names of the suite's events, each indexed as it comes. */
export const eventNames: string[] = RxTraceAbi.flatMap((item) => (item.type === "event" ? [item.name] : []));
