// Key rotation and re-keying (issue 12): a partner rotates its own key in two steps (rx:rotate-propose by the
// current key, rx:rotate-accept by the new one; rx:rotate-cancel by either), and the admin re-keys a partner whose
// key is lost (rx:rekey; through the timelock on public networks: --calldata prints what to schedule). Thin entry
// points over src/commands/admin/recovery.ts.
import { task } from "hardhat/config";
import { isAddress } from "ethers";
import { rxInterface } from "../src/commands/admin/admin";
import { acceptRotation, cancelRotation, proposeRotation, rekeyCall, rekeyPartner, requireFreshKey } from "../src/commands/admin/recovery";
import { resolvePartner, resolveSigner, runCommand } from "../src/commands/shared/cli";
import { connect } from "../src/chain/deployment";
import { InputError } from "../src/domain/errors";

function newKeyOf(value: string | undefined): string {
  const v = (value ?? "").trim();
  if (!isAddress(v)) throw new InputError("--new-key", value ?? "", "the new key's address (0x…)");
  return v;
}

task("rx:rotate-propose", "Proposes a new key for the signer's partner record (the new key accepts with rx:rotate-accept)")
  .addParam("newKey", "the new key's address: a fresh account, never a partner's")
  .addOptionalParam("signer", "the partner's current key: account index or address (default 0)")
  .setAction(async (args: { newKey?: string; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const newKey = newKeyOf(args.newKey);
      const { rx } = await connect(hre);
      const from = await resolveSigner(hre, args.signer);
      const receipt = await proposeRotation(rx, from, newKey);
      return { key: from.address, proposed: newKey, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:rotate-accept", "Accepts the key rotation that proposed the signer: the signer becomes the partner's key")
  .addOptionalParam("signer", "the proposed key: account index or address (default 0)")
  .setAction(async (args: { signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const { rx } = await connect(hre);
      const from = await resolveSigner(hre, args.signer);
      const receipt = await acceptRotation(rx, from);
      return { key: from.address, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:rotate-cancel", "Cancels the signer's pending key rotation (either the proposing or the proposed key; works while paused)")
  .addOptionalParam("signer", "either key of the pending rotation: account index or address (default 0)")
  .setAction(async (args: { signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const { rx } = await connect(hre);
      const from = await resolveSigner(hre, args.signer);
      const receipt = await cancelRotation(rx, from);
      return { by: from.address, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );

task("rx:rekey", "Re-keys a partner whose key is lost onto a fresh account (admin; --calldata prints the timelock call)")
  .addParam("account", "the partner: its identity, any of its keys, or its GLN")
  .addParam("newKey", "the new key's address: a fresh account, never a partner's")
  .addFlag("calldata", "send nothing: print the target and call data a timelock proposer schedules")
  .addOptionalParam("signer", "account index or address (default 0, the admin)")
  .setAction(async (args: { account?: string; newKey?: string; calldata?: boolean; signer?: string }, hre) =>
    runCommand(await rxInterface(hre), async () => {
      const newKey = newKeyOf(args.newKey);
      const { rx } = await connect(hre);
      if (args.account === undefined || args.account.trim() === "") throw new InputError("--account", args.account ?? "", "a partner's address (0x…) or 13-digit GLN");
      const account = await resolvePartner(rx, args.account.trim(), "--account");
      if (args.calldata) {
        await requireFreshKey(rx, newKey, "--new-key");
        const call = await rekeyCall(rx, account, newKey);
        console.log(`schedule on the timelock: target ${call.target}, value 0, data ${call.data}`);
        return { account, newKey, ...call };
      }
      const from = await resolveSigner(hre, args.signer);
      const receipt = await rekeyPartner(rx, from, account, newKey);
      return { account, newKey, transactionHash: receipt.hash, gasUsed: receipt.gasUsed };
    }),
  );
