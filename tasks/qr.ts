import { task } from "hardhat/config";
import path from "node:path";
import { mkdirSync } from "node:fs";
import QRCode from "qrcode";
import { runCommand } from "../src/commands/shared/cli";
import { writeFileAtomic } from "../src/chain/deployment";
import { InputError } from "../src/domain/errors";
import { formatDigitalLink } from "../src/gs1/identifiers";
import { packFromArgs, type PackArgs } from "../src/gs1/pack-args";

interface QrArgs extends PackArgs {
  out: string;
  resolver: string;
}

task("rx:qr", "Writes a pack's QR code (PNG and SVG) carrying its GS1 Digital Link")
  .addOptionalParam("link", "the GS1 Digital Link to encode")
  .addOptionalParam("gtin", "GTIN (8, 12, 13 or 14 digits)")
  .addOptionalParam("lot", "lot (AI 10)")
  .addOptionalParam("serial", "serial (AI 21)")
  .addOptionalParam("expiry", "expiry YYMMDD (AI 17)")
  .addOptionalParam("resolver", "the resolver the link points to", "https://id.rxtrace.example")
  .addParam("out", "output path without extension: writes <out>.png and <out>.svg")
  .setAction(async (args: QrArgs, hre) =>
    runCommand(undefined, async () => {
      void hre;
      const pack = packFromArgs(args);
      if (!/^https:\/\/[^/\s]+/.test(args.resolver)) throw new InputError("--resolver", args.resolver, "an https:// URL");
      const link = args.link ?? formatDigitalLink(pack, args.resolver);
      mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      // Error correction level M: a pack's code survives some wear; the link stays short enough to scan easily.
      const png = await QRCode.toBuffer(link, { type: "png", errorCorrectionLevel: "M", margin: 4, scale: 8 });
      const svg = await QRCode.toString(link, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
      writeFileAtomic(`${args.out}.png`, png);
      writeFileAtomic(`${args.out}.svg`, svg);
      console.log(`QR code of ${link}`);
      console.log(`wrote ${args.out}.png and ${args.out}.svg`);
      return { link, png: `${args.out}.png`, svg: `${args.out}.svg` };
    }),
  );
