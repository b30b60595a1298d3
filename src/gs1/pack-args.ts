/**
 * A pack named on the command line: `--link <GS1 Digital Link>` or `--gtin --lot --serial [--expiry YYMMDD]`.
 */
import { InputError } from "../domain/errors";
import { expiryFromYYMMDD, parseDigitalLink, parseGtin, parseLot, parseSerial, type PackIdentity } from "./identifiers";

export interface PackArgs {
  link?: string;
  gtin?: string;
  lot?: string;
  serial?: string;
  expiry?: string;
}

export function packFromArgs(args: PackArgs): PackIdentity {
  if (args.link !== undefined) {
    for (const flag of ["gtin", "lot", "serial", "expiry"] as const) {
      if (args[flag] !== undefined) throw new InputError(`--${flag}`, args[flag], "nothing: --link already names the pack");
    }
    return parseDigitalLink(args.link, "--link");
  }
  if (args.gtin === undefined) throw new InputError("--gtin", "", "a GTIN, or --link with the pack's GS1 Digital Link");
  if (args.lot === undefined) throw new InputError("--lot", "", "the pack's lot (AI 10)");
  if (args.serial === undefined) throw new InputError("--serial", "", "the pack's serial (AI 21)");
  if (args.expiry !== undefined) expiryFromYYMMDD(args.expiry, "--expiry");
  return {
    gtin: parseGtin(args.gtin, "--gtin"),
    lot: parseLot(args.lot, "--lot"),
    serial: parseSerial(args.serial, "--serial"),
    expiry: args.expiry,
  };
}
