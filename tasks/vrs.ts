import { task } from "hardhat/config";
import { runCommand } from "../src/commands/shared/cli";
import type { ServeArgs } from "../src/commands/vrs/vrs-command";

task("rx:vrs-serve", "Answer GS1 verification requests (DSCSA saleable returns, VRS) for the suite of this network, until Ctrl-C")
  .addOptionalParam("port", "TCP port to listen on (0: any free port)", "8080")
  .addOptionalParam("host", "address to listen on", "127.0.0.1")
  .addOptionalParam("responderGln", "the responder's GLN in answers (default: the GLN of the GTIN's manufacturer)")
  .setAction(async (args: ServeArgs, hre) => {
    // Loaded only when asked: every other command starts without the responder's code.
    const { serveFromArgs } = await import("../src/commands/vrs/vrs-command");
    const running = await runCommand(undefined, () => serveFromArgs(hre, args));
    console.log(`verification responder for network "${hre.network.name}" at ${running.url} (GET /01/<gtin>/10/<lot>/21/<serial>?17=…&linkType=verificationService&reqGLN=…, /checkConnectivity); Ctrl-C stops it`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => void running.close().then(resolve)));
  });
