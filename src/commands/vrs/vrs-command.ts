/**
 * The verification responder and its client as commands: `rx:vrs-serve` answers GS1 verification requests for the
 * selected network's suite; `rx:verify --vrs <url>` asks a remote responder, signing with the caller's key.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { connect } from "../../chain/deployment";
import { InputError } from "../../domain/errors";
import { loadSerialTree } from "../../files/serial-files";
import { formatGln, parseGln } from "../../gs1/identifiers";
import { packFromArgs, type PackArgs } from "../../gs1/pack-args";
import { askResponder, type VrsAnswer } from "../../vrs/client";
import { parseCorrUUID } from "../../vrs/messages";
import { startResponder, type RunningResponder } from "../../vrs/responder";
import { resolveSigner } from "../shared/cli";

export interface ServeArgs {
  port?: string;
  host?: string;
  responderGln?: string;
}

/** Starts the responder over the network's suite (its deployment record and serial files); returns once it listens. */
export async function serveFromArgs(hre: HardhatRuntimeEnvironment, args: ServeArgs): Promise<RunningResponder> {
  const port = args.port ?? "8080";
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new InputError("--port", port, "a TCP port from 0 to 65535 (0: any free port)");
  const responderGln = args.responderGln === undefined ? undefined : formatGln(parseGln(args.responderGln, "--responder-gln"));
  const { rx, record } = await connect(hre);
  const network = hre.network.name;
  return startResponder(
    { rx, fromBlock: record.contracts.RxTrace.blockNumber, serialTree: (batchId) => loadSerialTree(network, batchId), responderGln },
    Number(port),
    args.host ?? "127.0.0.1",
  );
}

export interface AskArgs extends PackArgs {
  vrs: string;
  signer?: string;
  reqGln?: string;
  corrUuid?: string;
  /** rx:verify's flags that mean nothing to a responder: refused with --vrs. */
  holder?: string;
  certificate?: string;
  manifests?: string;
}

/**
 * Asks the responder at --vrs about the pack, as the partner of --signer (its GLN from the registry, or --req-gln),
 * signing the request with that account's key.
 */
export async function askFromArgs(hre: HardhatRuntimeEnvironment, args: AskArgs): Promise<VrsAnswer> {
  let base: URL;
  try {
    base = new URL(args.vrs);
  } catch {
    throw new InputError("--vrs", args.vrs, "the responder's URL, e.g. http://127.0.0.1:8080");
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new InputError("--vrs", args.vrs, "an http:// or https:// URL");
  for (const flag of ["holder", "certificate", "manifests"] as const) {
    if (args[flag] !== undefined) throw new InputError(`--${flag}`, args[flag], "nothing with --vrs: the responder answers about the product, from its own records");
  }
  const pack = packFromArgs(args);
  if (pack.expiry === undefined) {
    throw new InputError(args.link === undefined ? "--expiry" : "--link", args.link ?? "", "the pack's expiry (AI 17, YYMMDD): a verification request names it");
  }
  const signer = await resolveSigner(hre, args.signer);
  let reqGln: string;
  if (args.reqGln !== undefined) {
    reqGln = formatGln(parseGln(args.reqGln, "--req-gln"));
  } else {
    const { rx } = await connect(hre);
    const gln = (await rx.partner(signer.address)).gln;
    if (gln === 0n) throw new InputError("--signer", args.signer ?? "0", `an onboarded partner's account (${signer.address} is not one), or --req-gln`);
    reqGln = formatGln(gln);
  }
  const corrUUID = args.corrUuid === undefined ? undefined : parseCorrUUID(args.corrUuid, "--corr-uuid");
  return askResponder(base.toString(), { ...pack, expiry: pack.expiry }, reqGln, signer, { corrUUID });
}
