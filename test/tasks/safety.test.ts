import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ZeroHash } from "ethers";
import { formatGln, formatGtin } from "../../src/gs1/identifiers";
import { batchIdOf } from "../../src/domain/ids";
import { CAST, CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, GTIN, GTIN_2 } from "../../src/scenario/scenario";
import { captureOutput, castTaskFixture, SIGNER } from "./fixtures";
import { tempDir } from "../tmp";

const LOT = "S24-0001";
const gln = (key: string) => formatGln(CAST.find((m) => m.key === key)!.gln);
/** The flagship GTIN with its check digit changed. */
const BAD_GTIN = formatGtin(GTIN).slice(0, 13) + ((Number(formatGtin(GTIN).slice(13)) + 1) % 10);
const NOTICE = "Recall notice: lot S24-0001, sub-potent units\n";
const RECALLED = 1n;
const SUSPECT = 2n;
const ILLEGITIMATE = 4n;
const lotArgs = { gtin: formatGtin(GTIN), lot: LOT };

/** 100 units commissioned; 60 shipped to the distributor, received on a warm leg: quarantined there. */
async function quarantineFixture() {
  const base = await loadFixture(castTaskFixture);
  const { rx, signers } = base;
  const [, , manufacturer, , distributor, , , , regulator] = signers;
  await rx.connect(manufacturer).commissionBatch({
    gtin: GTIN, lot: LOT, expiry: (await time.latest()) + 400 * 24 * 3600, quantity: 100n, ...COLD_CHAIN,
    serialRoot: ZeroHash, certificateHash: CERTIFICATE_HASH, certificateURI: CERTIFICATE_URI,
  });
  const batchId = batchIdOf(GTIN, LOT);
  await rx.connect(manufacturer).ship(batchId, distributor.address, 60n);
  const warm = { minTemp: 44, maxTemp: 120, meanKineticTemp: 64, minutesOutOfRange: 90, loggerHash: hre.ethers.id("warm") };
  await rx.connect(distributor).receiveShipment({ batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 60n, nonce: 0n }, warm);
  const dir = tempDir("rx-safety-");
  const notice = path.join(dir, "notice.txt");
  writeFileSync(notice, NOTICE);
  return { ...base, manufacturer, distributor, regulator, batchId, notice };
}

async function blockNumber(): Promise<number> {
  return hre.ethers.provider.getBlockNumber();
}

async function run(name: string, params: Record<string, string>) {
  return captureOutput(() => hre.run(name, params));
}

describe("rx:recall", function () {
  describe("when the manufacturer recalls its lot with a notice file", function () {
    it("prints the class, the notice's hash and the transaction", async function () {
      const { notice } = await loadFixture(quarantineFixture);
      const { lines } = await run("rx:recall", { ...lotArgs, class: "II", reasonUri: "https://acme.example/recalls/S24-0001", reasonFile: notice, signer: SIGNER.manufacturer });
      expect(lines[0]).to.match(new RegExp(`^recalling GTIN ${formatGtin(GTIN)} lot ${LOT} \\(batch 0x[0-9a-f]{64}\\): class II$`));
      expect(lines[1]).to.equal(`  notice https://acme.example/recalls/S24-0001, ${notice} keccak256 ${hre.ethers.keccak256(Buffer.from(NOTICE))}`);
      expect(lines.join("\n")).to.match(/^recall: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
      expect(lines[lines.length - 1]).to.match(/^batch is now recalled \(class II\), expiry \d{4}-\d{2}-\d{2}$/);
    });

    it("records the recall and the notice's hash on-chain", async function () {
      const { rx, batchId, notice } = await loadFixture(quarantineFixture);
      await run("rx:recall", { ...lotArgs, class: "II", reasonUri: "https://acme.example/recalls/S24-0001", reasonFile: notice, signer: SIGNER.manufacturer });
      const batch = await rx.batch(batchId);
      expect([batch.flags & RECALLED, batch.recallClass]).to.deep.equal([RECALLED, 2n]);
      const [event] = await rx.queryFilter(rx.filters.BatchRecalled(batchId));
      expect([event.args.reasonHash, event.args.reasonURI]).to.deep.equal([hre.ethers.keccak256(Buffer.from(NOTICE)), "https://acme.example/recalls/S24-0001"]);
    });
  });

  describe("when a regulator recalls without a notice file", function () {
    it("recalls with class I and a zero notice hash", async function () {
      const { rx, batchId } = await loadFixture(quarantineFixture);
      const { lines } = await run("rx:recall", { ...lotArgs, class: "I", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator });
      expect(lines[1]).to.equal("  notice ipfs://QmNotice, no notice file hashed (pass --reason-file to commit to it)");
      expect((await rx.batch(batchId)).recallClass).to.equal(1n);
    });
  });

  describe("when the class is not I, II or III", function () {
    it("names --class and sends nothing", async function () {
      await loadFixture(quarantineFixture);
      const before = await blockNumber();
      await expect(run("rx:recall", { ...lotArgs, class: "IV", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator })).to.be.rejectedWith(
        '--class: got "IV", expected I, II or III',
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the reason URI is not a URI", function () {
    it("names --reason-uri", async function () {
      await loadFixture(quarantineFixture);
      await expect(run("rx:recall", { ...lotArgs, class: "I", reasonUri: "see email", signer: SIGNER.regulator })).to.be.rejectedWith(
        /--reason-uri: got "see email", expected where to fetch the recall notice/,
      );
    });
  });

  describe("when the notice file does not exist", function () {
    it("names --reason-file", async function () {
      await loadFixture(quarantineFixture);
      await expect(
        run("rx:recall", { ...lotArgs, class: "I", reasonUri: "ipfs://QmNotice", reasonFile: "/nonexistent/notice.pdf", signer: SIGNER.regulator }),
      ).to.be.rejectedWith('--reason-file: got "/nonexistent/notice.pdf", expected an existing, readable file');
    });
  });

  describe("when the GTIN's check digit is wrong", function () {
    it("names --gtin", async function () {
      await loadFixture(quarantineFixture);
      await expect(run("rx:recall", { gtin: BAD_GTIN, lot: LOT, class: "I", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator })).to.be.rejectedWith(
        new RegExp(`--gtin: got "${BAD_GTIN}", expected a GTIN whose check digit is`),
      );
    });
  });

  describe("when the lot was never commissioned", function () {
    it("says so before sending", async function () {
      await loadFixture(quarantineFixture);
      const before = await blockNumber();
      await expect(run("rx:recall", { gtin: formatGtin(GTIN_2), lot: LOT, class: "I", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator })).to.be.rejectedWith(
        /--gtin\/--lot: got ".*", expected the GTIN and lot of a commissioned batch/,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when a distributor recalls", function () {
    it("reports the contract's PartnerWrongRole and sends nothing", async function () {
      const { distributor } = await loadFixture(quarantineFixture);
      const before = await blockNumber();
      await expect(run("rx:recall", { ...lotArgs, class: "I", reasonUri: "ipfs://QmNotice", signer: SIGNER.distributor })).to.be.rejectedWith(
        `the contract refused: PartnerWrongRole(account=${distributor.address}, role=Distributor, required=Regulator)`,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the lot is recalled already", function () {
    it("refuses a class as serious or less, naming --class, before sending", async function () {
      await loadFixture(quarantineFixture);
      await run("rx:recall", { ...lotArgs, class: "II", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator });
      const before = await blockNumber();
      await expect(run("rx:recall", { ...lotArgs, class: "III", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator })).to.be.rejectedWith(
        '--class: got "III", expected a class more serious than the recall in force, class II (a recall is escalated, never lowered: SafetyAlreadyRecalled)',
      );
      expect(await blockNumber()).to.equal(before);
    });

    it("escalates to a more serious class (RecallEscalated)", async function () {
      const { rx, batchId } = await loadFixture(quarantineFixture);
      await run("rx:recall", { ...lotArgs, class: "III", reasonUri: "ipfs://QmNotice", signer: SIGNER.regulator });
      const { lines } = await run("rx:recall", { ...lotArgs, class: "I", reasonUri: "ipfs://QmNotice2", signer: SIGNER.regulator });
      expect(lines[0]).to.equal(`escalating the recall of GTIN ${formatGtin(GTIN)} lot ${LOT} (batch ${batchId}): class III -> I`);
      const [escalated] = await rx.queryFilter(rx.filters.RecallEscalated(batchId));
      expect([escalated.args.previousClass, escalated.args.recallClass]).to.deep.equal([3n, 1n]);
    });
  });
});

describe("rx:suspect", function () {
  describe("when a holder flags its lot", function () {
    it("prints the reason's hash and the transaction", async function () {
      await loadFixture(quarantineFixture);
      const { lines } = await run("rx:suspect", { ...lotArgs, reason: "seal broken on 3 cartons", signer: SIGNER.distributor });
      expect(lines[1]).to.equal(`  reason "seal broken on 3 cartons" keccak256 ${hre.ethers.id("seal broken on 3 cartons")}`);
      expect(lines.join("\n")).to.match(/^flag suspect: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
    });

    it("puts the lot on hold", async function () {
      const { rx, batchId } = await loadFixture(quarantineFixture);
      await run("rx:suspect", { ...lotArgs, reason: "seal broken", signer: SIGNER.distributor });
      expect((await rx.batch(batchId)).flags & SUSPECT).to.equal(SUSPECT);
    });
  });

  describe("when a partner that holds none of the lot flags it", function () {
    it("reports SafetyNotHolder", async function () {
      await loadFixture(quarantineFixture);
      await expect(run("rx:suspect", { ...lotArgs, signer: SIGNER.pharmacy })).to.be.rejectedWith(/the contract refused: SafetyNotHolder\(/);
    });
  });
});

describe("rx:clear", function () {
  describe("when the regulator clears a suspect lot", function () {
    it("makes it active again", async function () {
      const { rx, batchId } = await loadFixture(quarantineFixture);
      await run("rx:suspect", { ...lotArgs, signer: SIGNER.regulator });
      const { lines } = await run("rx:clear", { ...lotArgs, reason: "seals verified", signer: SIGNER.regulator });
      expect(lines[lines.length - 1]).to.match(/^batch is now active, expiry \d{4}-\d{2}-\d{2}$/);
      expect((await rx.batch(batchId)).flags).to.equal(0n);
    });
  });

  describe("when the lot is not suspect", function () {
    it("reports SafetyNotSuspect", async function () {
      await loadFixture(quarantineFixture);
      await expect(run("rx:clear", { ...lotArgs, signer: SIGNER.regulator })).to.be.rejectedWith(/the contract refused: SafetyNotSuspect\(batchId=0x[0-9a-f]{64}\)/);
    });
  });
});

describe("rx:illegitimate", function () {
  describe("when the regulator declares the lot illegitimate", function () {
    it("flags it for good", async function () {
      const { rx, batchId } = await loadFixture(quarantineFixture);
      const { lines } = await run("rx:illegitimate", { ...lotArgs, reason: "counterfeit confirmed by lab", signer: SIGNER.regulator });
      expect(lines.join("\n")).to.match(/^declare illegitimate: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
      expect((await rx.batch(batchId)).flags & ILLEGITIMATE).to.equal(ILLEGITIMATE);
    });
  });

  describe("when the manufacturer tries", function () {
    it("reports PartnerWrongRole", async function () {
      const { manufacturer } = await loadFixture(quarantineFixture);
      await expect(run("rx:illegitimate", { ...lotArgs, signer: SIGNER.manufacturer })).to.be.rejectedWith(
        `PartnerWrongRole(account=${manufacturer.address}, role=Manufacturer, required=Regulator)`,
      );
    });
  });
});

describe("rx:release", function () {
  describe("when the regulator releases part of the distributor's quarantine (holder by GLN)", function () {
    it("prints the holder's stock after", async function () {
      const { distributor } = await loadFixture(quarantineFixture);
      const { lines } = await run("rx:release", { ...lotArgs, holder: gln("distributor"), quantity: "10", signer: SIGNER.regulator });
      expect(lines.join("\n")).to.match(/^release quarantine: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
      expect(lines[lines.length - 1]).to.equal(`${distributor.address} now holds 10 saleable, 50 quarantined, 0 condemned`);
    });

    it("moves the units to saleable stock", async function () {
      const { rx, batchId, distributor } = await loadFixture(quarantineFixture);
      await run("rx:release", { ...lotArgs, holder: distributor.address, quantity: "10", signer: SIGNER.regulator });
      const holding = await rx.holding(batchId, distributor.address);
      expect([holding.saleable, holding.quarantined]).to.deep.equal([10n, 50n]);
    });
  });

  describe("when the quantity exceeds the quarantined units", function () {
    it("names --quantity and the units available, before sending", async function () {
      await loadFixture(quarantineFixture);
      const before = await blockNumber();
      await expect(run("rx:release", { ...lotArgs, holder: gln("distributor"), quantity: "61", signer: SIGNER.regulator })).to.be.rejectedWith(
        /--quantity: got "61", expected at most 60, the quarantined units/,
      );
      expect(await blockNumber()).to.equal(before);
    });
  });

  describe("when the holder is neither an address nor a GLN", function () {
    it("names --holder", async function () {
      await loadFixture(quarantineFixture);
      await expect(run("rx:release", { ...lotArgs, holder: "Northline", quantity: "1", signer: SIGNER.regulator })).to.be.rejectedWith(
        `--holder: got "Northline", expected a partner's address (0x…) or 13-digit GLN`,
      );
    });
  });

  describe("when the distributor releases its own quarantine", function () {
    it("reports PartnerWrongRole", async function () {
      const { distributor } = await loadFixture(quarantineFixture);
      await expect(run("rx:release", { ...lotArgs, holder: distributor.address, quantity: "1", signer: SIGNER.distributor })).to.be.rejectedWith(
        `PartnerWrongRole(account=${distributor.address}, role=Distributor, required=Regulator)`,
      );
    });
  });
});

describe("rx:condemn", function () {
  describe("when the regulator condemns the distributor's quarantine", function () {
    it("takes the units out of the supply chain", async function () {
      const { rx, batchId, distributor } = await loadFixture(quarantineFixture);
      const { lines } = await run("rx:condemn", { ...lotArgs, holder: gln("distributor"), quantity: "60", signer: SIGNER.regulator });
      expect(lines.join("\n")).to.match(/^condemn quarantine: tx 0x[0-9a-f]{64} block \d+ gas \d+$/m);
      const holding = await rx.holding(batchId, distributor.address);
      expect([holding.quarantined, holding.condemned]).to.deep.equal([0n, 60n]);
    });
  });

  describe("when the quantity is zero", function () {
    it("names --quantity", async function () {
      await loadFixture(quarantineFixture);
      await expect(run("rx:condemn", { ...lotArgs, holder: gln("distributor"), quantity: "0", signer: SIGNER.regulator })).to.be.rejectedWith(
        /--quantity: got "0", expected a whole number from 1 to/,
      );
    });
  });
});
