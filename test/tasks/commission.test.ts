/// <reference types="chai-as-promised" />
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { keccak256 } from "ethers";
import type { RxTrace } from "../../typechain-types";
import { ImportStopped, importBatches, jsonArrayElementLines, readCsv, splitCsvLine } from "../../src/commands/commission/batch-import";
import { recordPath } from "../../src/chain/deployment";
import { formatGtin, makeGtin } from "../../src/gs1/identifiers";
import { batchIdOf } from "../../src/domain/ids";
import { serialFilePath, type SerialFile } from "../../src/files/serial-files";
import { SerialTree } from "../../src/merkle/serial-tree";
import { CERTIFICATE_URI, FOREIGN_GTIN, GTIN, GTIN_2, serialRange } from "../../src/scenario/scenario";
import { SIGNER, captureOutput, castTaskFixture } from "./fixtures";
import { tempDir } from "../tmp";

const GTIN_TEXT = formatGtin(GTIN);
const CERTIFICATE_TEXT = "Certificate of origin, Acme Pharma, command tests\n";
/** Lots used only by these tests, so that their serial files are ours. */
const LOT = "CMT-0001";

/** A directory with a certificate and serial files, the way a manufacturer keeps them next to an import file. */
function workspace(): string {
  const dir = tempDir("rx-commission-");
  writeFileSync(path.join(dir, "certificate.txt"), CERTIFICATE_TEXT);
  for (let i = 1; i <= 6; i++) writeFileSync(path.join(dir, `serials-${i}.txt`), serialRange(4, `S${i}X`).join("\n") + "\n");
  writeFileSync(path.join(dir, "serials-12.txt"), serialRange(12).join("\n") + "\n");
  return dir;
}

function forgetSerialFile(gtin: bigint, lot: string): string {
  const file = serialFilePath("hardhat", batchIdOf(gtin, lot));
  rmSync(file, { force: true });
  return file;
}

async function manufacturerOf(signers: { address: string }[]): Promise<string> {
  return signers[Number(SIGNER.manufacturer)].address;
}

async function commissionedEvents(rx: RxTrace, batchId: string): Promise<number> {
  return (await rx.queryFilter(rx.filters.BatchCommissioned(batchId))).length;
}

describe("manufacturer commands", function () {
  describe("rx:commission", function () {
    function flags(dir: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
      return {
        gtin: GTIN_TEXT,
        lot: LOT,
        expiry: "301231",
        quantity: "12",
        minTemp: "2",
        maxTemp: "8",
        certificate: path.join(dir, "certificate.txt"),
        certificateUri: CERTIFICATE_URI,
        serials: path.join(dir, "serials-12.txt"),
        signer: SIGNER.manufacturer,
        ...overrides,
      };
    }

    describe("when the manufacturer commissions a serialized batch", function () {
      async function commissioned() {
        const base = await loadFixture(castTaskFixture);
        const dir = workspace();
        forgetSerialFile(GTIN, LOT);
        const out = await captureOutput(() => hre.run("rx:commission", flags(dir)));
        return { ...base, dir, ...out, batchId: batchIdOf(GTIN, LOT) };
      }

      it("prints the batch id, the transaction, the gas and the serial file", async function () {
        const { lines, batchId } = await loadFixture(commissioned);
        expect(lines[0]).to.match(new RegExp(`^commissioned batch ${batchId} \\(GTIN ${GTIN_TEXT} lot ${LOT}\\): tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
        expect(lines[1]).to.equal(
          `  12 units, expiry 2030-12-31, storage 2.0 to 8.0 °C, 12 serials, root ${SerialTree.of(serialRange(12)).root}, ` +
            `certificate ${keccak256(Buffer.from(CERTIFICATE_TEXT))} at ${CERTIFICATE_URI}`,
        );
        expect(lines[2]).to.equal(`  serial file ${path.relative(process.cwd(), serialFilePath("hardhat", batchId))}`);
      });

      it("stores the expiry, the range in tenths of a degree, the serial root and the stock", async function () {
        const { rx, signers, batchId } = await loadFixture(commissioned);
        const batch = await rx.batch(batchId);
        const root = SerialTree.of(serialRange(12)).root;
        expect([batch.expiry, batch.minTemp, batch.maxTemp, batch.serialRoot]).to.deep.equal([
          BigInt(Date.UTC(2030, 11, 31, 23, 59, 59) / 1000),
          20n,
          80n,
          root.slice(0, 44),
        ]);
        expect((await rx.holding(batchId, await manufacturerOf(signers))).saleable).to.equal(12n);
      });

      it("commits to the certificate file's hash and URI", async function () {
        const { rx, batchId } = await loadFixture(commissioned);
        const [event] = await rx.queryFilter(rx.filters.BatchCommissioned(batchId));
        expect([event.args.batch.certificateHash, event.args.batch.certificateURI]).to.deep.equal([keccak256(Buffer.from(CERTIFICATE_TEXT)), CERTIFICATE_URI]);
      });

      it("saves the serial file from which proofs are made", async function () {
        const { batchId } = await loadFixture(commissioned);
        const saved = JSON.parse(readFileSync(serialFilePath("hardhat", batchId), "utf8")) as SerialFile;
        expect([saved.root, saved.serials]).to.deep.equal([SerialTree.of(serialRange(12)).root, serialRange(12)]);
      });
    });

    describe("when the expiry is given as YYYY-MM-DD and there are no serials", function () {
      it("commissions the batch without a serial root", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const dir = workspace();
        await captureOutput(() => hre.run("rx:commission", flags(dir, { lot: "CMT-0002", expiry: "2030-06-30", serials: undefined, quantity: "500" })));
        const batch = await rx.batch(batchIdOf(GTIN, "CMT-0002"));
        expect([batch.expiry, batch.serialRoot]).to.deep.equal([BigInt(Date.UTC(2030, 5, 30, 23, 59, 59) / 1000), "0x" + "00".repeat(21)]);
      });
    });

    describe("when the same batch is commissioned again after its serial file was lost", function () {
      it("skips it and writes the serial file again", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const dir = workspace();
        const file = forgetSerialFile(GTIN, LOT);
        await captureOutput(() => hre.run("rx:commission", flags(dir)));
        rmSync(file);
        const { lines } = await captureOutput(() => hre.run("rx:commission", flags(dir)));
        expect(lines).to.deep.equal([
          `GTIN ${GTIN_TEXT} lot ${LOT}: skipped, already on-chain as batch ${batchIdOf(GTIN, LOT)}`,
          `  serial file ${path.relative(process.cwd(), file)} (written again)`,
        ]);
        expect([existsSync(file), await commissionedEvents(rx, batchIdOf(GTIN, LOT))]).to.deep.equal([true, 1]);
      });
    });

    describe("when the same lot is commissioned again with other data", function () {
      /** CMT-0003 on-chain with 500 units and no serials, then the same command with one field changed. */
      async function again(overrides: Record<string, string> | ((dir: string) => Record<string, string>)) {
        const base = await loadFixture(castTaskFixture);
        const dir = workspace();
        const first = { lot: "CMT-0003", serials: undefined, quantity: "500" };
        await captureOutput(() => hre.run("rx:commission", flags(dir, first)));
        writeFileSync(path.join(dir, "other-certificate.txt"), "Another certificate\n");
        const changed = typeof overrides === "function" ? overrides(dir) : overrides;
        const run = hre.run("rx:commission", flags(dir, { ...first, ...changed }));
        return { ...base, dir, run };
      }

      it("refuses another quantity by name, with the quantity on-chain", async function () {
        const { run } = await again({ quantity: "501" });
        await expect(run).to.be.rejectedWith(/--lot: got "CMT-0003", expected the same data as batch 0x[0-9a-f]{64}, already on-chain, or another lot: --quantity 500 on-chain$/);
      });

      it("refuses another certificate file by name, with both hashes", async function () {
        const { run } = await again((dir) => ({ certificate: path.join(dir, "other-certificate.txt") }));
        await expect(run).to.be.rejectedWith(
          `--certificate: another file on-chain (keccak256 ${keccak256(Buffer.from(CERTIFICATE_TEXT))}, this file ${keccak256(Buffer.from("Another certificate\n"))})`,
        );
      });

      it("refuses another certificate URI by name, with the URI on-chain", async function () {
        const { run } = await again({ certificateUri: "ipfs://QmOtherCertificateUri" });
        await expect(run).to.be.rejectedWith(new RegExp(`--certificate-uri ${CERTIFICATE_URI.replace(/[.?/]/g, "\\$&")} on-chain$`));
      });

      it("commissions nothing a second time", async function () {
        const { rx, run } = await again({ quantity: "501" });
        await run.catch(() => undefined);
        expect(await commissionedEvents(rx, batchIdOf(GTIN, "CMT-0003"))).to.equal(1);
      });
    });

    describe("when the GTIN's check digit is wrong", function () {
      it("names --gtin and the expected check digit, and sends nothing", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        const wrong = GTIN_TEXT.slice(0, 13) + String((Number(GTIN_TEXT[13]) + 1) % 10);
        const before = await hre.ethers.provider.getBlockNumber();
        await expect(hre.run("rx:commission", flags(dir, { gtin: wrong }))).to.be.rejectedWith(
          `--gtin: got "${wrong}", expected a GTIN whose check digit is ${GTIN_TEXT[13]} (GS1 mod-10), not ${wrong[13]}`,
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
      });
    });

    describe("when several flags are wrong", function () {
      it("names each of them", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        await expect(hre.run("rx:commission", flags(dir, { lot: "LOT WITH SPACES", minTemp: "8", maxTemp: "2", expiry: "200101", quantity: "0" }))).to.be.rejectedWith(
          /--lot: got "LOT WITH SPACES".*\n--expiry: got "200101", expected a date after the chain's current time.*\n--quantity: got "0", expected a whole number from 1.*\n--max-temp: got "2", expected a maximum above the minimum \(--min-temp 8 °C\)/,
        );
      });
    });

    describe("when the serial file does not hold one serial per unit", function () {
      it("names --serials with both counts", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        await expect(hre.run("rx:commission", flags(dir, { quantity: "10" }))).to.be.rejectedWith(/--serials: got ".*serials-12\.txt", expected 10 serials, one per unit of the quantity \(the file has 12\)/);
      });
    });

    describe("when the GTIN is under another manufacturer's prefix", function () {
      it("names --gtin and the signer's own prefix", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        await expect(hre.run("rx:commission", flags(dir, { gtin: formatGtin(FOREIGN_GTIN) }))).to.be.rejectedWith(
          new RegExp(`--gtin: got "${formatGtin(FOREIGN_GTIN)}", expected a GTIN under 0x[0-9a-fA-F]{40}'s company prefix 0312345`),
        );
      });
    });

    describe("when a distributor tries to commission", function () {
      it("shows the contract's PartnerWrongRole", async function () {
        const { signers } = await loadFixture(castTaskFixture);
        const dir = workspace();
        const distributor = signers[Number(SIGNER.distributor)].address;
        await expect(hre.run("rx:commission", flags(dir, { signer: SIGNER.distributor }))).to.be.rejectedWith(
          `the contract refused: PartnerWrongRole(account=${distributor}, role=Distributor, required=Manufacturer)`,
        );
      });
    });

    describe("when the network has no deployment record", function () {
      it("names the missing file and the deploy command", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        const record = recordPath("hardhat");
        const aside = `${record}.aside-commission-test`;
        renameSync(record, aside);
        try {
          await expect(hre.run("rx:commission", flags(dir))).to.be.rejectedWith(
            `no deployment record for network "hardhat" (${path.relative(process.cwd(), record)}): deploy first with \`npm run deploy -- --network hardhat\``,
          );
        } finally {
          renameSync(aside, record);
        }
        expect(existsSync(record)).to.equal(true);
      });
    });
  });

  describe("rx:import", function () {
    /** Six batches IMP-1 … IMP-6, alternating the two GTINs, each with 4 serials. */
    const SIX = Array.from({ length: 6 }, (_, i) => ({ gtin: i % 2 === 0 ? GTIN : GTIN_2, lot: `IMP-${i + 1}` }));
    const HEADER = "gtin,lot,expiry,quantity,min_temp,max_temp,certificate,certificate_uri,serials";

    function csvLine(i: number): string {
      const { gtin, lot } = SIX[i];
      return `${formatGtin(gtin)},${lot},301231,4,2,8,certificate.txt,${CERTIFICATE_URI},serials-${i + 1}.txt`;
    }

    function writeCsv(dir: string, name: string, lines: string[]): string {
      const file = path.join(dir, name);
      writeFileSync(file, [HEADER, ...lines].join("\n") + "\n");
      return file;
    }

    function forgetAll(): void {
      for (const { gtin, lot } of SIX) forgetSerialFile(gtin, lot);
    }

    async function expectEachOnChainOnce(rx: RxTrace): Promise<void> {
      const counts = await Promise.all(SIX.map(({ gtin, lot }) => commissionedEvents(rx, batchIdOf(gtin, lot))));
      const files = SIX.map(({ gtin, lot }) => existsSync(serialFilePath("hardhat", batchIdOf(gtin, lot))));
      expect({ counts, files }).to.deep.equal({ counts: [1, 1, 1, 1, 1, 1], files: [true, true, true, true, true, true] });
    }

    describe("when the manufacturer imports a CSV file", function () {
      async function imported() {
        const base = await loadFixture(castTaskFixture);
        const dir = workspace();
        forgetAll();
        const file = writeCsv(dir, "batches.csv", SIX.map((_, i) => csvLine(i)));
        const out = await captureOutput(() => hre.run("rx:import", { file, signer: SIGNER.manufacturer }));
        return { ...base, dir, file, ...out };
      }

      it("prints [k/n] progress per batch and a summary", async function () {
        const { lines } = await loadFixture(imported);
        expect(lines[0]).to.match(/^import .*batches\.csv: 6 batches as 0x[0-9a-fA-F]{40} on "hardhat": 6 to commission, 0 on-chain already$/);
        SIX.forEach(({ gtin, lot }, i) =>
          expect(lines[i + 1]).to.match(
            new RegExp(`^\\[${i + 1}/6\\] line ${i + 2} GTIN ${formatGtin(gtin)} lot ${lot}: commissioned batch ${batchIdOf(gtin, lot)}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`),
          ),
        );
        expect(lines[7]).to.equal("done: 6 commissioned, 0 skipped, 0 failed");
      });

      it("puts every batch on-chain once with its serial file", async function () {
        const { rx } = await loadFixture(imported);
        await expectEachOnChainOnce(rx);
      });

      it("resolves serial files relative to the import file", async function () {
        const { rx } = await loadFixture(imported);
        const batch = await rx.batch(batchIdOf(SIX[2].gtin, SIX[2].lot));
        expect(batch.serialRoot).to.equal(SerialTree.of(serialRange(4, "S3X")).root.slice(0, 44));
      });
    });

    describe("when the manufacturer imports a JSON file", function () {
      it("commissions each entry and reports its line", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const dir = workspace();
        forgetAll();
        const entries = SIX.slice(0, 2).map(({ gtin, lot }, i) => ({
          gtin: formatGtin(gtin),
          lot,
          expiry: "2030-12-31",
          quantity: 4,
          minTemp: -20,
          maxTemp: -15.5,
          certificate: "certificate.txt",
          certificateUri: CERTIFICATE_URI,
          serials: `serials-${i + 1}.txt`,
        }));
        const file = path.join(dir, "batches.json");
        writeFileSync(file, JSON.stringify(entries, null, 2) + "\n");
        const { lines } = await captureOutput(() => hre.run("rx:import", { file, signer: SIGNER.manufacturer }));
        expect(lines[2]).to.match(new RegExp(`^\\[2/2\\] line 13 GTIN ${formatGtin(SIX[1].gtin)} lot IMP-2: commissioned`));
        const batch = await rx.batch(batchIdOf(SIX[1].gtin, "IMP-2"));
        expect([batch.minTemp, batch.maxTemp]).to.deep.equal([-200n, -155n]);
      });
    });

    describe("when lines of the CSV file are malformed", function () {
      it("reports every bad line with its number and field, and sends nothing", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        const badGtin = formatGtin(GTIN).slice(0, 13) + String((Number(formatGtin(GTIN)[13]) + 1) % 10);
        const file = writeCsv(dir, "batches.csv", [
          csvLine(0),
          csvLine(1).replace(formatGtin(GTIN_2), badGtin),
          csvLine(2).replace(",4,2,8,", ",4,2,"),
          csvLine(3).replace("certificate.txt", "missing.pdf"),
        ]);
        const before = await hre.ethers.provider.getBlockNumber();
        await expect(hre.run("rx:import", { file, signer: SIGNER.manufacturer })).to.be.rejectedWith(
          new RegExp(
            "batches\\.csv: 3 errors, nothing was sent \\(fix them and run again\\):\\n" +
              `.*batches\\.csv line 4, columns: got ".*", expected 9 comma-separated fields as in the header .*found 8\\n` +
              `.*batches\\.csv line 3, gtin: got "${badGtin}", expected a GTIN whose check digit is \\d .*\\n` +
              `.*batches\\.csv line 5, certificate: got ".*missing\\.pdf", expected a readable file`,
          ),
        );
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
      });
    });

    describe("when a quote is not closed or a lot appears twice", function () {
      it("names the line of each", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        const file = writeCsv(dir, "batches.csv", [csvLine(0), csvLine(1).replace("IMP-2", '"IMP-2'), csvLine(0).replace("serials-1", "serials-3")]);
        await expect(hre.run("rx:import", { file, signer: SIGNER.manufacturer })).to.be.rejectedWith(
          /line 3: got ".*", expected a well-formed CSV line \(a quote is not closed.*\n.*line 4, lot: got "IMP-1", expected each GTIN and lot once in the file \(.*also at .*batches\.csv line 2\)/,
        );
      });
    });

    describe("when an import is interrupted after half the file and run again in full", function () {
      async function resumed() {
        const base = await loadFixture(castTaskFixture);
        const dir = workspace();
        forgetAll();
        const half = writeCsv(dir, "half.csv", SIX.slice(0, 3).map((_, i) => csvLine(i)));
        await captureOutput(() => hre.run("rx:import", { file: half, signer: SIGNER.manufacturer }));
        const full = writeCsv(dir, "half.csv", SIX.map((_, i) => csvLine(i)));
        const out = await captureOutput(() => hre.run("rx:import", { file: full, signer: SIGNER.manufacturer }));
        return { ...base, ...out };
      }

      it("skips what is on-chain and commissions the rest", async function () {
        const { lines } = await loadFixture(resumed);
        expect(lines[0]).to.match(/6 batches .*: 3 to commission, 3 on-chain already$/);
        expect(lines[1]).to.match(new RegExp(`^\\[1/6\\] line 2 GTIN ${formatGtin(SIX[0].gtin)} lot IMP-1: skipped, already on-chain as batch 0x[0-9a-f]{64}, serial file present$`));
        expect(lines[4]).to.match(/^\[4\/6\] line 5 .* lot IMP-4: commissioned batch/);
        expect(lines[7]).to.equal("done: 3 commissioned, 3 skipped, 0 failed");
      });

      it("leaves every batch on-chain exactly once with its serial file", async function () {
        const { rx } = await loadFixture(resumed);
        await expectEachOnChainOnce(rx);
      });
    });

    describe("when an imported file is run again with a line's quantity, certificate or URI changed", function () {
      it("refuses each changed line by line and column, and sends nothing", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const dir = workspace();
        forgetAll();
        const first = writeCsv(dir, "first.csv", SIX.slice(0, 3).map((_, i) => csvLine(i)));
        await captureOutput(() => hre.run("rx:import", { file: first, signer: SIGNER.manufacturer }));
        writeFileSync(path.join(dir, "other-certificate.txt"), "Another certificate\n");
        // A quantity change needs a serial file of that size: line 2 drops its serials (the root then differs too).
        const changed = writeCsv(dir, "changed.csv", [
          csvLine(0).replace(",4,2,8,", ",5,2,8,").replace(/,serials-1\.txt$/, ","),
          csvLine(1).replace(",certificate.txt,", ",other-certificate.txt,"),
          csvLine(2).replace(CERTIFICATE_URI, "https://example.org/other-certificate"),
        ]);
        const error = await hre.run("rx:import", { file: changed, signer: SIGNER.manufacturer }).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(error?.message).to.match(/changed\.csv: 3 errors, nothing was sent/);
        expect(error?.message).to.match(/changed\.csv line 2, lot: .*quantity 4 on-chain/);
        expect(error?.message).to.match(/changed\.csv line 3, lot: .*certificate: another file on-chain/);
        expect(error?.message).to.match(/changed\.csv line 4, lot: .*certificate_uri ipfs:\/\/\S+ on-chain/);
        const counts = await Promise.all(SIX.slice(0, 3).map(({ gtin, lot }) => commissionedEvents(rx, batchIdOf(gtin, lot))));
        expect(counts).to.deep.equal([1, 1, 1]);
      });
    });

    describe("when the chain refuses line 4 half way and the import is run again", function () {
      async function refusedThenResumed() {
        const base = await loadFixture(castTaskFixture);
        const dir = workspace();
        forgetAll();
        const file = writeCsv(dir, "batches.csv", SIX.map((_, i) => csvLine(i)));
        const [admin] = base.signers;
        const manufacturer = base.signers[Number(SIGNER.manufacturer)];
        // The admin suspends the manufacturer just before the 4th batch is sent: the contract refuses it.
        let stopped: ImportStopped | undefined;
        const first = await captureOutput(async () => {
          try {
            await importBatches({
              rx: base.rx,
              signer: manufacturer,
              signerAddress: manufacturer.address,
              network: "hardhat",
              file,
              beforeSend: async (entry) => {
                if (entry.index === 4) await (await base.rx.connect(admin).suspendPartner(manufacturer.address, hre.ethers.ZeroHash)).wait();
              },
            });
          } catch (error) {
            if (!(error instanceof ImportStopped)) throw error;
            stopped = error;
          }
        });
        // A crash also lost the serial file of a batch that made it on-chain.
        rmSync(serialFilePath("hardhat", batchIdOf(SIX[1].gtin, SIX[1].lot)));
        await (await base.rx.connect(admin).reinstatePartner(manufacturer.address)).wait();
        const second = await captureOutput(() => hre.run("rx:import", { file, signer: SIGNER.manufacturer }));
        return { ...base, stopped, first: first.lines, second: second.lines, manufacturer: manufacturer.address };
      }

      it("stops at line 5 (the 4th batch) with the contract's error and what to do", async function () {
        const { stopped, manufacturer } = await loadFixture(refusedThenResumed);
        expect(stopped?.message).to.match(
          new RegExp(
            `batches\\.csv line 5 \\(GTIN ${formatGtin(SIX[3].gtin)} lot IMP-4\\) failed: the contract refused: PartnerNotAuthorized\\(account=${manufacturer}, standing=Suspended\\); ` +
              "3 batch\\(es\\) before it were commissioned\\. Fix the cause and run the same command again",
          ),
        );
      });

      it("prints the failed line and a summary of the stopped run", async function () {
        const { first } = await loadFixture(refusedThenResumed);
        expect(first.slice(4)).to.deep.equal([
          `[4/6] line 5 GTIN ${formatGtin(SIX[3].gtin)} lot IMP-4: failed: the contract refused: PartnerNotAuthorized(account=${first[0].match(/as (0x[0-9a-fA-F]{40})/)?.[1]}, standing=Suspended)`,
          `stopped at ${first[0].match(/^import (.*?): 6/)?.[1]} line 5: 3 commissioned, 0 skipped, 1 failed, 2 not attempted`,
        ]);
      });

      it("resumes: skips the first three, rewrites the lost serial file, commissions the rest", async function () {
        const { second } = await loadFixture(refusedThenResumed);
        expect(second[2]).to.match(/^\[2\/6\] line 3 .* lot IMP-2: skipped, already on-chain as batch 0x[0-9a-f]{64}, serial file written again$/);
        expect(second[7]).to.equal("done: 3 commissioned, 3 skipped, 0 failed");
      });

      it("leaves every batch on-chain exactly once with its serial file", async function () {
        const { rx } = await loadFixture(refusedThenResumed);
        await expectEachOnChainOnce(rx);
      });
    });

    describe("when a distributor runs the import", function () {
      it("shows the contract's PartnerWrongRole before sending anything", async function () {
        const { signers } = await loadFixture(castTaskFixture);
        const dir = workspace();
        const file = writeCsv(dir, "batches.csv", [csvLine(0)]);
        await expect(hre.run("rx:import", { file, signer: SIGNER.distributor })).to.be.rejectedWith(
          `the contract refused: PartnerWrongRole(account=${signers[Number(SIGNER.distributor)].address}, role=Distributor, required=Manufacturer)`,
        );
      });
    });

    describe("when a user asks `npx hardhat help rx:import`", function () {
      it("documents the columns, the units and where relative paths are read from", function () {
        const help = hre.tasks["rx:import"].paramDefinitions.file.description ?? "";
        for (const part of ["gtin", "lot", "expiry (YYMMDD or YYYY-MM-DD)", "quantity", "min_temp and max_temp (storage range in °C", "certificate_uri", "serials", "comma-separated", "Relative certificate and serials paths are read from the import file's own folder"]) {
          expect(help).to.include(part);
        }
      });
    });

    describe("when the file is neither JSON nor CSV", function () {
      it("names --file", async function () {
        await loadFixture(castTaskFixture);
        const dir = workspace();
        const file = path.join(dir, "batches.xlsx");
        writeFileSync(file, "");
        await expect(hre.run("rx:import", { file, signer: SIGNER.manufacturer })).to.be.rejectedWith(/--file: got ".*batches\.xlsx", expected a file ending in \.json or \.csv/);
      });
    });
  });

  describe("the import file readers", function () {
    describe("when a CSV cell is quoted", function () {
      it("keeps commas and doubled quotes inside it", function () {
        expect(splitCsvLine('00312345000172,"A,1""B", 2 ,')).to.deep.equal(["00312345000172", 'A,1"B', "2", ""]);
      });
    });

    describe("when a CSV file is separated by semicolons", function () {
      it("reports one error that names the separator, not one per line", function () {
        const text = ["gtin;lot;expiry;quantity;min_temp;max_temp;certificate;certificate_uri", `${GTIN_TEXT};L1;301231;4;2;8;c.txt;ipfs://x`, `${GTIN_TEXT};L2;301231;4;2;8;c.txt;ipfs://x`].join("\n");
        const { entries, errors } = readCsv(text, "batches.csv");
        expect([entries.length, errors.length]).to.deep.equal([0, 1]);
        expect(errors[0].message).to.match(/^batches\.csv line 1 \(header\): got ".*", expected columns gtin, .* separated by commas: this file separates them with semicolons/);
      });
    });

    describe("when a JSON array spans several lines", function () {
      it("finds the line where each element starts", function () {
        expect(jsonArrayElementLines('[\n  {"lot": "A[1]"},\n\n  {\n "lot": "B"}\n]')).to.deep.equal([2, 4]);
      });
    });
  });

  describe("the sample files in examples/", function () {
    describe("when they are imported in turn", function () {
      it("commission the batches they list", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const examples = path.join(__dirname, "..", "..", "examples");
        const lots = ["A24-0002", "A24-0003", "A24-0004", "A24-0005"];
        for (const lot of lots) forgetSerialFile(lot === "A24-0003" || lot === "A24-0005" ? GTIN_2 : GTIN, lot);
        await captureOutput(async () => {
          await hre.run("rx:import", { file: path.join(examples, "batches.json"), signer: SIGNER.manufacturer });
          await hre.run("rx:import", { file: path.join(examples, "batches.csv"), signer: SIGNER.manufacturer });
        });
        const gtins = [GTIN, GTIN_2, GTIN, GTIN_2];
        const counts = await Promise.all(lots.map((lot, i) => commissionedEvents(rx, batchIdOf(gtins[i], lot))));
        expect(counts).to.deep.equal([1, 1, 1, 1]);
      });
    });

    describe("when the README's rx:commission example runs", function () {
      it("commissions lot A24-0001 with its 12 serials", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const examples = path.join(__dirname, "..", "..", "examples");
        forgetSerialFile(GTIN, "A24-0001");
        await captureOutput(() =>
          hre.run("rx:commission", {
            gtin: formatGtin(makeGtin("0312345", "00017")),
            lot: "A24-0001",
            expiry: "280331",
            quantity: "12",
            minTemp: "2",
            maxTemp: "8",
            certificate: path.join(examples, "certificate-A24-0001.txt"),
            certificateUri: CERTIFICATE_URI,
            serials: path.join(examples, "serials-A24-0001.txt"),
            signer: SIGNER.manufacturer,
          }),
        );
        expect((await rx.holding(batchIdOf(GTIN, "A24-0001"), (await hre.ethers.getSigners())[Number(SIGNER.manufacturer)].address)).saleable).to.equal(12n);
      });
    });
  });
});
