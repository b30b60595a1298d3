// rx: tasks of the dispensing group. A thin entry point over src/commands/dispense/dispensing.ts.
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { resolveSigner } from "../src/commands/shared/cli";
import { contextOf } from "../src/commands/packs/selection";
import { dispensePack, parseDispenseArgs, type DispenseArgs } from "../src/commands/dispense/dispensing";

task(
  "rx:dispense",
  "Dispenses one pack, given its GS1 Digital Link or --gtin --lot --serial (a dispenser); shows the contract the received pack leg whose manifest lists it",
)
  .addOptionalParam("link", "the pack's GS1 Digital Link (https://…/01/<gtin>/10/<lot>/21/<serial>[?17=YYMMDD])")
  .addOptionalParam("gtin", "the pack's GTIN (AI 01), without --link")
  .addOptionalParam("lot", "the pack's lot (AI 10), without --link")
  .addOptionalParam("serial", "the pack's serial (AI 21), without --link")
  .addOptionalParam("signer", "the dispenser: account index or address (default 0)")
  .setAction(async (args: DispenseArgs & { signer?: string }, hre) =>
    withSuite(hre, () => parseDispenseArgs(args), async ({ rx, record }, input) =>
      dispensePack(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );
