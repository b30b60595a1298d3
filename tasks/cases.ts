// rx: tasks of shipping cases (SSCC): seal a case with the packs inside, open it. Thin entry points over
// src/commands/packs/cases.ts. A sealed case travels as one line of a manifest (rx:ship --cases).
import { task } from "hardhat/config";
import { withSuite } from "../src/commands/shared/batch-lookup";
import { resolveSigner } from "../src/commands/shared/cli";
import { contextOf } from "../src/commands/packs/selection";
import { openCase, parseCaseOpenArgs, parseCaseSealArgs, sealCase, type CaseOpenArgs, type CaseSealArgs } from "../src/commands/packs/cases";

interface WithSigner {
  signer?: string;
}

task("rx:case-seal", "Seals a shipping case (SSCC) with the packs inside; a manifest may then list the case instead of its packs")
  .addParam("sscc", "the case's 18-digit SSCC (AI 00), check digit included")
  .addParam("gtin", "the product's GTIN (AI 01)")
  .addParam("lot", "the lot (AI 10)")
  .addParam("serials", "the packs inside: a file of serials, one per line or a JSON array")
  .addOptionalParam("signer", "the packer, which holds the packs: account index or address (default 0)")
  .setAction(async (args: CaseSealArgs & WithSigner, hre) =>
    withSuite(hre, () => parseCaseSealArgs(args), async ({ rx, record }, input) =>
      sealCase(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );

task("rx:case-open", "Opens a sealed case; its packs travel loose from then on")
  .addParam("sscc", "the case's 18-digit SSCC (AI 00)")
  .addOptionalParam("signer", "the case's holder: account index or address (default 0)")
  .setAction(async (args: CaseOpenArgs & WithSigner, hre) =>
    withSuite(hre, () => parseCaseOpenArgs(args), async ({ rx, record }, input) =>
      openCase(rx, await resolveSigner(hre, args.signer), contextOf(record), input),
    ),
  );
