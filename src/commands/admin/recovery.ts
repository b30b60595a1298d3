/**
 * Key rotation and re-keying (IRecovery, issue 12): a partner's two-step rotation of its own key, and the admin's
 * re-key of a partner whose key is lost. The suite serves these through its fallback (the second extension), so
 * they are called at the suite's address with IRecovery's ABI.
 */
import { ZeroAddress, type ContractTransactionReceipt, type Signer } from "ethers";
import type { IRecovery, RxTrace } from "../../../typechain-types";
import { typechain } from "../../chain/typechain";
import { InputError } from "../../domain/errors";
import { Role } from "../../domain/enums";
import { sendAndReport } from "../shared/cli";

type Print = (line: string) => void;

/** The suite's IRecovery functions, as `signer` when given. */
export async function recoveryOf(rx: RxTrace, signer?: Signer): Promise<IRecovery> {
  return typechain().IRecovery__factory.connect(await rx.getAddress(), signer ?? rx.runner);
}

/**
 * Refuses, before anything is sent, a new key the contract would refuse: a partner's key (current or retired) or
 * the key another rotation proposed. Names the field, the value and what was expected.
 */
export async function requireFreshKey(rx: RxTrace, account: string, field: string): Promise<void> {
  if (account.toLowerCase() === ZeroAddress) throw new InputError(field, account, "a fresh account's address, not zero");
  const recovery = await recoveryOf(rx);
  const [p, identity] = await Promise.all([rx.partner(account), recovery.identityOf(account)]);
  if (Number(p.role) !== Role.None || identity.toLowerCase() !== account.toLowerCase()) {
    throw new InputError(field, account, `a fresh account: it is (or was) a key of partner ${identity}`);
  }
}

/** The caller's key proposes `proposed` as its next key. */
export async function proposeRotation(rx: RxTrace, signer: Signer, proposed: string, print: Print = console.log): Promise<ContractTransactionReceipt> {
  await requireFreshKey(rx, proposed, "--new-key");
  const receipt = await sendAndReport(`proposed ${proposed} as the next key of ${await signer.getAddress()}`, (await recoveryOf(rx, signer)).proposeKeyRotation(proposed), print);
  print(`the new key accepts with: npx hardhat rx:rotate-accept --signer ${proposed}`);
  return receipt;
}

/** The caller, a proposed key, accepts the rotation that proposed it. */
export async function acceptRotation(rx: RxTrace, signer: Signer, print: Print = console.log): Promise<ContractTransactionReceipt> {
  return sendAndReport(`${await signer.getAddress()} is now the partner's key; the old one is retired`, (await recoveryOf(rx, signer)).acceptKeyRotation(), print);
}

/** Either side of a pending rotation cancels it. */
export async function cancelRotation(rx: RxTrace, signer: Signer, print: Print = console.log): Promise<ContractTransactionReceipt> {
  return sendAndReport(`cancelled the pending key rotation of ${await signer.getAddress()}`, (await recoveryOf(rx, signer)).cancelKeyRotation(), print);
}

/** What a timelock proposer schedules to re-key `account` onto `newKey`: the target and the call data. */
export async function rekeyCall(rx: RxTrace, account: string, newKey: string): Promise<{ target: string; data: string }> {
  const recovery = await recoveryOf(rx);
  return { target: await rx.getAddress(), data: recovery.interface.encodeFunctionData("rekeyPartner", [account, newKey]) };
}

/** The admin re-keys the partner of `account` onto `newKey` (its stock, GLN and licence follow). */
export async function rekeyPartner(rx: RxTrace, signer: Signer, account: string, newKey: string, print: Print = console.log): Promise<ContractTransactionReceipt> {
  await requireFreshKey(rx, newKey, "--new-key");
  return sendAndReport(`re-keyed the partner of ${account} onto ${newKey}`, (await recoveryOf(rx, signer)).rekeyPartner(account, newKey), print);
}

/**
 * The identity `account` acts for (itself unless a key rotation touched it): the address stock, shipments and
 * events name. Tools compare and filter with it, never with a rotated key.
 */
export async function identityOfAccount(rx: RxTrace, account: string): Promise<string> {
  return (await recoveryOf(rx)).identityOf(account);
}

/** The partner's identity and current key, as `rx:partner` prints them once a key moved. */
export async function keysOf(rx: RxTrace, account: string): Promise<{ identity: string; key: string; pending: string }> {
  const recovery = await recoveryOf(rx);
  const [identity, key] = await Promise.all([recovery.identityOf(account), recovery.keyOf(account)]);
  return { identity, key, pending: await recovery.pendingKeyRotation(key) };
}
