import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BatchStructOutput } from "../typechain-types/contracts/RxTrace";
import { Role, Standing } from "../src/domain/enums";
import { formatGtin, gs1CheckDigit, hasValidCheckDigit, makeGln, makeGtin, parseLot } from "../src/gs1/identifiers";
import { batchIdOf } from "../src/domain/ids";
import { CERTIFICATE_HASH, CERTIFICATE_URI, COLD_CHAIN, FOREIGN_GTIN, GTIN, GTIN_2 } from "../src/scenario/scenario";
import {
  batchFixture,
  COMMISSIONED,
  commissionArgs,
  commissionInput,
  DAY,
  holdingRecord,
  NO_STOCK,
  LICENCE_REF,
  LOT,
  partnersFixture,
  SUSPENSION_REASON,
  YEAR,
} from "./fixtures";

type PartnersContext = Awaited<ReturnType<typeof partnersFixture>>;

/** Callers commissioning refuses before anything else, and the standing it reports. */
const NOT_AUTHORIZED: {
  what: string;
  caller: "stranger" | "manufacturer";
  standing: Standing;
  arrange?: (f: PartnersContext) => Promise<unknown>;
}[] = [
  { what: "(Unknown) for a stranger", caller: "stranger", standing: Standing.Unknown },
  {
    what: "(Suspended) for a suspended manufacturer",
    caller: "manufacturer",
    standing: Standing.Suspended,
    arrange: (f) => f.rx.suspendPartner(f.manufacturer.address, SUSPENSION_REASON),
  },
  {
    what: "(LicenceExpired) once the manufacturer's licence expired",
    caller: "manufacturer",
    standing: Standing.LicenceExpired,
    arrange: (f) => time.increaseTo(f.licenceExpiry + 1),
  },
];

/** Authorized partners that are not manufacturers. */
const NOT_MANUFACTURERS = [
  { caller: "distributor", role: Role.Distributor },
  { caller: "regulator", role: Role.Regulator },
] as const;

function batchRecord(b: BatchStructOutput) {
  return {
    serialRoot: b.serialRoot,
    expiry: b.expiry,
    minTemp: b.minTemp,
    maxTemp: b.maxTemp,
    flags: b.flags,
    recallClass: b.recallClass,
  };
}

/** The 21 leading bytes of a 32-byte root, as the Batch record keeps it. */
function truncatedRoot(root: string): string {
  return ethers.dataSlice(root, 0, 21);
}

/** `gtin` with its check digit replaced by a wrong one. */
function withWrongCheckDigit(gtin: bigint): bigint {
  return (gtin / 10n) * 10n + ((gtin % 10n) + 1n) % 10n;
}

/** The 20 special characters of GS1 AI encodable character set 82. */
const CSET82_SPECIALS = ["!", '"', "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/", ":", ";", "<", "=", ">", "?", "_"];
/** Printable ASCII characters outside set 82, and a non-ASCII letter. */
const OUTSIDE_CSET82 = [" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "\u007f", "é"];

/**
 * Real GTIN-14s (GS1 and retail examples, GTIN-8/12/13 padded to 14 digits) and the same with a broken check
 * digit. None of them is under the manufacturer's prefix, so the contract answers BatchGtinNotOwned for a valid
 * one and BatchInvalidGtin for an invalid one.
 */
const GTIN_VECTORS = [
  "00012345600012",
  "09506000134352",
  "10614141000415",
  "00614141000012",
  "95012345678903",
  "00000096385074",
  "00036000291452",
  "04006381333931",
  "00012345600013",
  "09506000134353",
  "10614141000416",
  "40614141000018",
];

describe("RxTrace: BatchRegistry", function () {
  describe("commissionBatch", function () {
    describe("when an authorized manufacturer commissions a serialized batch under its prefix", function () {
      async function commissionedFixture() {
        const base = await loadFixture(partnersFixture);
        const { input, tree } = await commissionInput();
        const returned = await base.rx.connect(base.manufacturer).commissionBatch.staticCall(input);
        const tx = await base.rx.connect(base.manufacturer).commissionBatch(input);
        return { ...base, input, tree, tx, returned, batchId: batchIdOf(GTIN, LOT) };
      }

      it("emits BatchCommissioned with every stated field", async function () {
        const { rx, manufacturer, input, tx, batchId } = await loadFixture(commissionedFixture);
        await expect(tx).to.emit(rx, "BatchCommissioned").withArgs(batchId, manufacturer.address, GTIN, commissionArgs(input));
      });

      it("returns the batch id derived from the GTIN and lot", async function () {
        const { returned, batchId } = await loadFixture(commissionedFixture);
        expect(returned).to.equal(batchId);
      });

      it("stores the batch record with the truncated serial root, expiry and storage range", async function () {
        const { rx, input, tree, batchId } = await loadFixture(commissionedFixture);
        expect(batchRecord(await rx.batch(batchId))).to.deep.equal({
          serialRoot: truncatedRoot(tree.root),
          expiry: BigInt(input.expiry),
          minTemp: BigInt(COLD_CHAIN.minTemp),
          maxTemp: BigInt(COLD_CHAIN.maxTemp),
          flags: 0n,
          recallClass: 0n,
        });
      });

      it("records the manufacturer", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(commissionedFixture);
        expect(await rx.manufacturerOf(batchId)).to.equal(manufacturer.address);
      });

      it("credits the whole quantity to the manufacturer's saleable stock", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(commissionedFixture);
        const holding = holdingRecord(await rx.holding(batchId, manufacturer.address));
        expect(holding).to.deep.equal({ ...NO_STOCK, saleable: COMMISSIONED });
      });

      it("gives nobody else any stock", async function () {
        const { rx, distributor, batchId } = await loadFixture(commissionedFixture);
        expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(0n);
      });

      it("derives the same batch id on-chain as src/domain/ids.ts", async function () {
        const { rx } = await loadFixture(commissionedFixture);
        expect(await rx.batchIdOf(GTIN, LOT)).to.equal(batchIdOf(GTIN, LOT));
      });
    });

    describe("when the batch has no serial root", function () {
      async function unserializedFixture() {
        const base = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ lot: "NOSERIAL-1", serialRoot: ethers.ZeroHash });
        const tx = await base.rx.connect(base.manufacturer).commissionBatch(input);
        return { ...base, input, tx, batchId: batchIdOf(GTIN, "NOSERIAL-1") };
      }

      it("emits BatchCommissioned with a zero root", async function () {
        const { rx, manufacturer, input, tx, batchId } = await loadFixture(unserializedFixture);
        await expect(tx).to.emit(rx, "BatchCommissioned").withArgs(batchId, manufacturer.address, GTIN, commissionArgs(input));
      });

      it("stores a zero serial root", async function () {
        const { rx, batchId } = await loadFixture(unserializedFixture);
        expect((await rx.batch(batchId)).serialRoot).to.equal(truncatedRoot(ethers.ZeroHash));
      });

      it("credits the quantity to the manufacturer", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(unserializedFixture);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(COMMISSIONED);
      });
    });

    describe("when the serial root is non-zero but its stored 21 bytes are zero", function () {
      /** 21 zero bytes (what the record keeps) followed by 11 non-zero bytes 0x01..0x0b. */
      const HIDDEN_TAIL = ethers.concat([new Uint8Array(21), Uint8Array.from({ length: 11 }, (_, i) => i + 1)]);
      /** Only the last of the 32 bytes set. */
      const LAST_BYTE_ONLY = ethers.zeroPadValue("0x01", 32);

      it("reverts with BatchInvalidSerialRoot for 21 zero bytes followed by 11 non-zero bytes", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ serialRoot: HIDDEN_TAIL });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidSerialRoot")
          .withArgs(HIDDEN_TAIL);
      });

      it("reverts with BatchInvalidSerialRoot when only the last byte is set", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ serialRoot: LAST_BYTE_ONLY });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidSerialRoot")
          .withArgs(LAST_BYTE_ONLY);
      });

      it("commissions nothing", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ serialRoot: HIDDEN_TAIL });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidSerialRoot")
          .withArgs(HIDDEN_TAIL);
        expect(await rx.manufacturerOf(batchIdOf(GTIN, LOT))).to.equal(ethers.ZeroAddress);
      });
    });

    describe("when a stored byte of the serial root is its only non-zero byte", function () {
      /** Roots whose one non-zero byte is the first, or the last that the record keeps (byte 20). */
      const EDGE_ROOTS = [
        { what: "the first byte", root: ethers.zeroPadBytes("0x01", 32), lot: "EDGE-ROOT-1" },
        { what: "byte 20, the last one stored", root: ethers.concat([new Uint8Array(20), "0x01", new Uint8Array(11)]), lot: "EDGE-ROOT-2" },
      ];

      for (const { what, root, lot } of EDGE_ROOTS) {
        it(`accepts the root when ${what} is set, emitting BatchCommissioned and storing its 21 leading bytes`, async function () {
          const { rx, manufacturer } = await loadFixture(partnersFixture);
          const { input } = await commissionInput({ lot, serialRoot: root });
          const batchId = batchIdOf(GTIN, lot);
          await expect(rx.connect(manufacturer).commissionBatch(input))
            .to.emit(rx, "BatchCommissioned")
            .withArgs(batchId, manufacturer.address, GTIN, commissionArgs(input));
          expect((await rx.batch(batchId)).serialRoot).to.equal(truncatedRoot(root));
        });
      }
    });

    describe("when the storage range is below zero (frozen, -25 to -15 degrees)", function () {
      async function frozenFixture() {
        const base = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ gtin: GTIN_2, lot: "FROZEN-1", minTemp: -250, maxTemp: -150 });
        const tx = await base.rx.connect(base.manufacturer).commissionBatch(input);
        return { ...base, input, tx, batchId: batchIdOf(GTIN_2, "FROZEN-1") };
      }

      it("emits BatchCommissioned with the negative range", async function () {
        const { rx, manufacturer, input, tx, batchId } = await loadFixture(frozenFixture);
        await expect(tx).to.emit(rx, "BatchCommissioned").withArgs(batchId, manufacturer.address, GTIN_2, commissionArgs(input));
      });

      it("stores the negative range", async function () {
        const { rx, batchId } = await loadFixture(frozenFixture);
        const b = await rx.batch(batchId);
        expect([b.minTemp, b.maxTemp]).to.deep.equal([-250n, -150n]);
      });
    });

    describe("when the GTIN carries a non-zero indicator digit under the manufacturer's prefix", function () {
      it("commissions the batch", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const gtin = makeGtin("0312345", "00017", "1");
        const { input } = await commissionInput({ gtin });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchIdOf(gtin, LOT), manufacturer.address, gtin, commissionArgs(input));
      });
    });

    // The prefix follows the indicator digit, found by dropping it (mod 10^13): these GTINs sit on the edges
    // where a wrong modulus would carry into or borrow from the prefix.
    for (const gtin of [20312345999999n, 40312345000002n, 80312345000000n]) {
      describe(`when the GTIN ${formatGtin(gtin)} has indicator digit ${String(gtin)[0]} and an edge item reference`, function () {
        it("commissions the batch under the manufacturer's prefix", async function () {
          const { rx, manufacturer } = await loadFixture(partnersFixture);
          expect(hasValidCheckDigit(formatGtin(gtin))).to.equal(true);
          const { input } = await commissionInput({ gtin });
          await expect(rx.connect(manufacturer).commissionBatch(input))
            .to.emit(rx, "BatchCommissioned")
            .withArgs(batchIdOf(gtin, LOT), manufacturer.address, gtin, commissionArgs(input));
        });
      });
    }

    describe("when the manufacturer's prefix has the most digits a prefix may have (12)", function () {
      it("commissions a GTIN under it", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        await rx.assignCompanyPrefix(manufacturer.address, "099999999999");
        const gtin = makeGtin("099999999999", "");
        const { input } = await commissionInput({ gtin });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchIdOf(gtin, LOT), manufacturer.address, gtin, commissionArgs(input));
      });
    });

    describe("when the same GTIN is commissioned with another lot", function () {
      it("creates a second, distinct batch", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(batchFixture);
        const { input } = await commissionInput({ lot: "A24-0002", quantity: 7n });
        await rx.connect(manufacturer).commissionBatch(input);
        const second = batchIdOf(GTIN, "A24-0002");
        expect(second).to.not.equal(batchId);
        expect((await rx.holding(second, manufacturer.address)).saleable).to.equal(7n);
      });
    });

    describe("when the expiry is one second after the current block", function () {
      it("commissions the batch", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        const { input } = await commissionInput({ expiry: now + 1 });
        await rx.connect(manufacturer).commissionBatch(input);
        expect((await rx.batch(batchIdOf(GTIN, LOT))).expiry).to.equal(BigInt(now + 1));
      });
    });

    describe("when the caller is not an authorized partner", function () {
      for (const { what, caller, standing, arrange } of NOT_AUTHORIZED) {
        it(`reverts with PartnerNotAuthorized ${what}`, async function () {
          const f = await loadFixture(partnersFixture);
          await arrange?.(f);
          const { input } = await commissionInput();
          await expect(f.rx.connect(f[caller]).commissionBatch(input))
            .to.be.revertedWithCustomError(f.rx, "PartnerNotAuthorized")
            .withArgs(f[caller].address, standing);
        });
      }
    });

    describe("when the caller is not a manufacturer", function () {
      for (const { caller, role } of NOT_MANUFACTURERS) {
        it(`reverts with PartnerWrongRole for a ${Role[role].toLowerCase()}`, async function () {
          const f = await loadFixture(partnersFixture);
          const { input } = await commissionInput();
          await expect(f.rx.connect(f[caller]).commissionBatch(input))
            .to.be.revertedWithCustomError(f.rx, "PartnerWrongRole")
            .withArgs(f[caller].address, role, Role.Manufacturer);
        });
      }
    });

    describe("when the GTIN is invalid", function () {
      it("reverts with BatchInvalidGtin for a wrong check digit", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const gtin = withWrongCheckDigit(GTIN);
        expect(hasValidCheckDigit(formatGtin(gtin))).to.equal(false);
        const { input } = await commissionInput({ gtin });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidGtin")
          .withArgs(gtin);
      });

      it("reverts with BatchInvalidGtin for zero", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ gtin: 0n });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidGtin")
          .withArgs(0n);
      });

      it("reverts with BatchInvalidGtin for 10^14", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ gtin: 10n ** 14n });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidGtin")
          .withArgs(10n ** 14n);
      });

      it("reverts with BatchInvalidGtin for 15 digits with a correct check digit", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const body = "1" + formatGtin(GTIN).slice(0, -1) + "0";
        const gtin = BigInt(body + gs1CheckDigit(body));
        expect(hasValidCheckDigit(gtin.toString())).to.equal(true);
        const { input } = await commissionInput({ gtin });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidGtin")
          .withArgs(gtin);
      });
    });

    describe("GS1 check digits of real GTIN-14s", function () {
      for (const digits of GTIN_VECTORS) {
        const valid = hasValidCheckDigit(digits);
        const error = valid ? "BatchGtinNotOwned" : "BatchInvalidGtin";
        it(`agrees with src/gs1 that ${digits} is ${valid ? "valid" : "invalid"} (reverts with ${error})`, async function () {
          const { rx, manufacturer } = await loadFixture(partnersFixture);
          const gtin = BigInt(digits);
          const { input } = await commissionInput({ gtin });
          const tx = rx.connect(manufacturer).commissionBatch(input);
          if (valid) {
            await expect(tx).to.be.revertedWithCustomError(rx, "BatchGtinNotOwned").withArgs(gtin, manufacturer.address);
          } else {
            await expect(tx).to.be.revertedWithCustomError(rx, "BatchInvalidGtin").withArgs(gtin);
          }
        });
      }

      it("accepts a valid GTIN under a prefix the manufacturer owns (095 0600 0134 35 2)", async function () {
        const { rx, admin, manufacturer } = await loadFixture(partnersFixture);
        await rx.connect(admin).assignCompanyPrefix(manufacturer.address, "9506000");
        const gtin = BigInt("09506000134352");
        const { input } = await commissionInput({ gtin });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchIdOf(gtin, LOT), manufacturer.address, gtin, commissionArgs(input));
      });

      it("rejects the same GTIN with a broken check digit under the owned prefix", async function () {
        const { rx, admin, manufacturer } = await loadFixture(partnersFixture);
        await rx.connect(admin).assignCompanyPrefix(manufacturer.address, "9506000");
        const gtin = BigInt("09506000134353");
        const { input } = await commissionInput({ gtin });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidGtin")
          .withArgs(gtin);
      });
    });

    describe("when the lot is invalid", function () {
      it("reverts with BatchInvalidLot for an empty lot", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ lot: "" });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidLot")
          .withArgs("");
      });

      it("reverts with BatchInvalidLot for 21 characters", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const lot = "L".repeat(21);
        const { input } = await commissionInput({ lot });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidLot")
          .withArgs(lot);
      });

      for (const c of OUTSIDE_CSET82) {
        it(`reverts with BatchInvalidLot for a lot containing ${JSON.stringify(c)}`, async function () {
          const { rx, manufacturer } = await loadFixture(partnersFixture);
          const lot = `A24${c}01`;
          expect(() => parseLot(lot)).to.throw();
          const { input } = await commissionInput({ lot });
          await expect(rx.connect(manufacturer).commissionBatch(input))
            .to.be.revertedWithCustomError(rx, "BatchInvalidLot")
            .withArgs(lot);
        });
      }
    });

    describe("when the lot is at the limits of GS1 set 82", function () {
      it("accepts a lot of exactly 20 characters", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const lot = "ABCDEFGHIJ0123456789";
        const { input } = await commissionInput({ lot });
        await rx.connect(manufacturer).commissionBatch(input);
        expect((await rx.holding(batchIdOf(GTIN, lot), manufacturer.address)).saleable).to.equal(COMMISSIONED);
      });

      it("accepts a lot made of all 20 special characters of set 82", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const lot = CSET82_SPECIALS.join("");
        const { input } = await commissionInput({ lot });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchIdOf(GTIN, lot), manufacturer.address, GTIN, commissionArgs(input));
      });

      for (const c of CSET82_SPECIALS) {
        it(`accepts a lot containing ${JSON.stringify(c)}`, async function () {
          const { rx, manufacturer } = await loadFixture(partnersFixture);
          const lot = `A24${c}01`;
          expect(parseLot(lot)).to.equal(lot);
          const { input } = await commissionInput({ lot });
          await rx.connect(manufacturer).commissionBatch(input);
          expect(await rx.manufacturerOf(batchIdOf(GTIN, lot))).to.equal(manufacturer.address);
        });
      }

      it("accepts every letter and digit", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const lots = ["ABCDEFGHIJKLM", "NOPQRSTUVWXYZ", "abcdefghijklm", "nopqrstuvwxyz", "0123456789"];
        for (const lot of lots) await rx.connect(manufacturer).commissionBatch((await commissionInput({ lot })).input);
        for (const lot of lots) expect(await rx.manufacturerOf(batchIdOf(GTIN, lot))).to.equal(manufacturer.address);
      });
    });

    describe("when the GTIN belongs to another manufacturer's prefix", function () {
      it("reverts with BatchGtinNotOwned", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ gtin: FOREIGN_GTIN });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchGtinNotOwned")
          .withArgs(FOREIGN_GTIN, manufacturer.address);
      });

      it("lets the owner of that prefix commission it", async function () {
        const { rx, otherManufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ gtin: FOREIGN_GTIN });
        await rx.connect(otherManufacturer).commissionBatch(input);
        expect(await rx.manufacturerOf(batchIdOf(FOREIGN_GTIN, LOT))).to.equal(otherManufacturer.address);
      });

      it("reverts with BatchGtinNotOwned for a manufacturer that owns no prefix", async function () {
        const { rx, admin, stranger } = await loadFixture(partnersFixture);
        const licenceExpiry = (await time.latest()) + YEAR;
        await rx.connect(admin).onboardPartner(stranger.address, Role.Manufacturer, makeGln("031234500099"), LICENCE_REF, licenceExpiry, "No Prefix Labs");
        const { input } = await commissionInput();
        await expect(rx.connect(stranger).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchGtinNotOwned")
          .withArgs(GTIN, stranger.address);
      });
    });

    describe("when the expiry is not in the future", function () {
      it("reverts with BatchExpiryNotInFuture for an expiry equal to the block time", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const now = (await time.latest()) + 10;
        const { input } = await commissionInput({ expiry: now });
        await time.setNextBlockTimestamp(now);
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchExpiryNotInFuture")
          .withArgs(now, now);
      });

      it("reverts with BatchExpiryNotInFuture for a past expiry", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const now = (await time.latest()) + 10;
        const expiry = now - DAY;
        const { input } = await commissionInput({ expiry });
        await time.setNextBlockTimestamp(now);
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchExpiryNotInFuture")
          .withArgs(expiry, now);
      });
    });

    describe("when the quantity is zero", function () {
      it("reverts with BatchInvalidQuantity", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ quantity: 0n });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidQuantity")
          .withArgs(0n);
      });
    });

    describe("when the storage range is empty", function () {
      it("reverts with BatchInvalidStorageRange when min equals max", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ minTemp: 50, maxTemp: 50 });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidStorageRange")
          .withArgs(50, 50);
      });

      it("reverts with BatchInvalidStorageRange when min is above max", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ minTemp: 80, maxTemp: 20 });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidStorageRange")
          .withArgs(80, 20);
      });

      it("reverts with BatchInvalidStorageRange for an inverted frozen range", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ minTemp: -150, maxTemp: -250 });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchInvalidStorageRange")
          .withArgs(-150, -250);
      });
    });

    describe("when the certificate of origin is incomplete", function () {
      it("reverts with BatchMissingCertificate for a zero hash", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ certificateHash: ethers.ZeroHash });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchMissingCertificate")
          .withArgs(ethers.ZeroHash, CERTIFICATE_URI);
      });

      it("reverts with BatchMissingCertificate for an empty URI", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        const { input } = await commissionInput({ certificateURI: "" });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchMissingCertificate")
          .withArgs(CERTIFICATE_HASH, "");
      });
    });

    describe("when the GTIN and lot were commissioned already", function () {
      it("reverts with BatchAlreadyCommissioned", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(batchFixture);
        const { input } = await commissionInput({ quantity: 5n });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchAlreadyCommissioned")
          .withArgs(batchId);
      });

      it("leaves the first batch's stock untouched", async function () {
        const { rx, manufacturer, batchId } = await loadFixture(batchFixture);
        const { input } = await commissionInput({ quantity: 5n });
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchAlreadyCommissioned")
          .withArgs(batchId);
        expect((await rx.holding(batchId, manufacturer.address)).saleable).to.equal(COMMISSIONED);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, manufacturer } = await loadFixture(partnersFixture);
        await rx.connect(pauser).pause();
        const { input } = await commissionInput();
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("commissions again once unpaused", async function () {
        const { rx, pauser, manufacturer } = await loadFixture(partnersFixture);
        await rx.connect(pauser).pause();
        await rx.connect(pauser).unpause();
        await rx.connect(manufacturer).commissionBatch((await commissionInput()).input);
        expect(await rx.manufacturerOf(batchIdOf(GTIN, LOT))).to.equal(manufacturer.address);
      });
    });
  });

  describe("batch", function () {
    it("is all zero for an unknown batch", async function () {
      const { rx } = await loadFixture(partnersFixture);
      expect(batchRecord(await rx.batch(batchIdOf(GTIN, "UNKNOWN")))).to.deep.equal({
        serialRoot: truncatedRoot(ethers.ZeroHash),
        expiry: 0n,
        minTemp: 0n,
        maxTemp: 0n,
        flags: 0n,
        recallClass: 0n,
      });
    });
  });

  describe("manufacturerOf", function () {
    it("is zero for an unknown batch", async function () {
      const { rx } = await loadFixture(partnersFixture);
      expect(await rx.manufacturerOf(batchIdOf(GTIN, "UNKNOWN"))).to.equal(ethers.ZeroAddress);
    });
  });

  describe("holding", function () {
    it("is all zero for a holder without stock", async function () {
      const { rx, batchId, stranger } = await loadFixture(batchFixture);
      expect(holdingRecord(await rx.holding(batchId, stranger.address))).to.deep.equal(NO_STOCK);
    });
  });

  describe("batchIdOf", function () {
    for (const [gtin, lot] of [
      [GTIN, LOT],
      [GTIN_2, "X"],
      [FOREIGN_GTIN, CSET82_SPECIALS.join("")],
    ] as const) {
      it(`matches src/domain/ids.ts for (${formatGtin(gtin)}, ${JSON.stringify(lot)})`, async function () {
        const { rx } = await loadFixture(partnersFixture);
        expect(await rx.batchIdOf(gtin, lot)).to.equal(batchIdOf(gtin, lot));
      });
    }
  });
});
