/**
 * The demo's last word on verification requests: the responder (`rx:vrs-serve`) started over the demo's suite, and a
 * returns desk's two signed questions to it (`rx:verify --vrs`), each printed with the command it stands for.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { askFromArgs, serveFromArgs, type AskArgs } from "../commands/vrs/vrs-command";
import { formatAnswer } from "../vrs/client";

/** Starts the responder on a free port, asks it about each pack as `signer`'s partner, prints both answers, stops it. */
export async function askTheResponder(hre: HardhatRuntimeEnvironment, signer: string, packs: readonly (readonly [string, Omit<AskArgs, "vrs" | "signer">])[], suffix = ""): Promise<void> {
  const responder = await serveFromArgs(hre, { port: "0" });
  try {
    console.log(`$ npx hardhat rx:vrs-serve --port 8080${suffix}`);
    console.log(`   (the demo's responder listens on a free port instead: ${responder.url})`);
    for (const [label, pack] of packs) {
      const flags = Object.entries(pack).map(([k, v]) => `--${k} ${String(v)}`).join(" ");
      console.log(`$ npx hardhat rx:verify ${flags} --vrs http://127.0.0.1:8080 --signer ${signer}${suffix}`);
      const answer = await askFromArgs(hre, { ...pack, vrs: responder.url, signer });
      console.log(`   ${label}:`);
      console.log(formatAnswer(answer).map((line) => `   ${line}`).join("\n"));
    }
  } finally {
    await responder.close();
  }
}
