// rx: tasks of the product-safety group: recall, suspect, clear, illegitimate, release, condemn, release-leg.
// Thin entry points over src/commands/safety/safety-actions.ts.
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { resolveSigner } from "../src/commands/shared/cli";
import {
  flagBatch,
  parseFlagArgs,
  parseQuarantineArgs,
  parseRecallArgs,
  parseReleaseLegArgs,
  recallBatch,
  releaseLegOf,
  settleQuarantine,
  type FlagAction,
  type FlagArgs,
  type QuarantineAction,
  type QuarantineArgs,
  type ReleaseLegArgs,
  type RecallArgs,
} from "../src/commands/safety/safety-actions";

interface WithSigner {
  signer?: string;
}

task("rx:recall", "Recalls a batch (its manufacturer or a regulator)")
  .addParam("gtin", "the product's GTIN (AI 01)")
  .addParam("lot", "the lot (AI 10)")
  .addParam("class", "recall class: I, II or III (I is the most serious)")
  .addParam("reasonUri", "where to fetch the recall notice (https://…, ipfs://…)")
  .addOptionalParam("reasonFile", "the recall notice; its keccak256 is recorded")
  .addOptionalParam("signer", "account index or address (default 0)")
  .setAction(async (args: RecallArgs & WithSigner, hre) =>
    withSuite(hre, () => parseRecallArgs(args), async ({ rx }, input) => recallBatch(rx, await resolveSigner(hre, args.signer), input)),
  );

const FLAGS: Array<{ name: string; action: FlagAction; description: string }> = [
  { name: "rx:suspect", action: "suspect", description: "Puts a batch on hold as suspect product (a holder or a regulator)" },
  { name: "rx:clear", action: "clear", description: "Clears a suspect batch (a regulator)" },
  { name: "rx:illegitimate", action: "illegitimate", description: "Declares a batch illegitimate, finally (a regulator)" },
];

for (const { name, action, description } of FLAGS) {
  task(name, description)
    .addParam("gtin", "the product's GTIN (AI 01)")
    .addParam("lot", "the lot (AI 10)")
    .addOptionalParam("reason", "why, as text; its keccak256 is recorded")
    .addOptionalParam("signer", "account index or address (default 0)")
    .setAction(async (args: FlagArgs & WithSigner, hre) =>
      withSuite(hre, () => parseFlagArgs(args), async ({ rx }, input) => flagBatch(rx, await resolveSigner(hre, args.signer), action, input)),
    );
}

const QUARANTINE: Array<{ name: string; action: QuarantineAction; description: string }> = [
  { name: "rx:release", action: "release", description: "Releases a holder's quarantined units into saleable stock (a regulator)" },
  { name: "rx:condemn", action: "condemn", description: "Condemns a holder's quarantined units (a regulator)" },
];

for (const { name, action, description } of QUARANTINE) {
  task(name, description)
    .addParam("gtin", "the product's GTIN (AI 01)")
    .addParam("lot", "the lot (AI 10)")
    .addParam("holder", "the holder of the quarantined units: address or 13-digit GLN")
    .addParam("quantity", "units")
    .addOptionalParam("signer", "account index or address (default 0)")
    .setAction(async (args: QuarantineArgs & WithSigner, hre) =>
      withSuite(hre, () => parseQuarantineArgs(args), async ({ rx }, input) =>
        settleQuarantine(rx, await resolveSigner(hre, args.signer), action, input),
      ),
    );
}

task("rx:release-leg", "Releases a pack leg a dispenser received into quarantine, as a whole: its units become saleable and its packs may be dispensed (a regulator)")
  .addParam("shipment", "the pack leg's shipment id (see the Received event, or rx:verify's legs)")
  .addOptionalParam("signer", "account index or address (default 0)")
  .setAction(async (args: ReleaseLegArgs & WithSigner, hre) =>
    withSuite(hre, () => parseReleaseLegArgs(args), async ({ rx, record }, input) =>
      releaseLegOf(rx, await resolveSigner(hre, args.signer), record.contracts.RxTrace.blockNumber, input),
    ),
  );
