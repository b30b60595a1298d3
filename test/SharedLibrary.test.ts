import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak_256 } from "@noble/hashes/sha3";
import { InputError } from "../src/domain/errors";
import {
  expiryFromYYMMDD,
  expiryToYYMMDD,
  formatDigitalLink,
  formatGln,
  formatGtin,
  gs1CheckDigit,
  gtinHasPrefix,
  hasValidCheckDigit,
  makeGln,
  makeGtin,
  parseCompanyPrefix,
  parseDigitalLink,
  parseGln,
  parseGtin,
  parseLot,
  parseSerial,
} from "../src/gs1/identifiers";
import { batchIdOf, packKeyOf, serialFromBytes32, serialLeafOf, serialToBytes32, shipmentIdOf } from "../src/domain/ids";
import { keccak256Raw, keccakImplementation } from "../src/merkle/keccak";
import { SerialTree } from "../src/merkle/serial-tree";
import { meanKineticTemperature, summarizeLeg } from "../src/domain/temperature";
import { GTIN, serialRange } from "../src/scenario/scenario";
import { deployFixture, LOT } from "./fixtures";

/** Published identifiers with correct check digits (GS1, Wikipedia and ISBN examples). */
const VALID = ["09506000134352", "4006381333931", "036000291452", "9780306406157", "96385074", "10614141000415"];

function expectInputError(fn: () => unknown, field: string): void {
  expect(fn).to.throw(InputError).with.property("field", field);
}

describe("Shared library (src/)", function () {
  describe("gs1", function () {
    describe("check digits", function () {
      for (const digits of VALID) {
        it(`accepts ${digits}`, function () {
          expect(hasValidCheckDigit(digits)).to.equal(true);
        });
        it(`rejects ${digits} with its check digit changed`, function () {
          const wrong = digits.slice(0, -1) + ((Number(digits.slice(-1)) + 1) % 10);
          expect(hasValidCheckDigit(wrong)).to.equal(false);
        });
      }
      it("computes the check digit of a body", function () {
        expect(gs1CheckDigit("0950600013435")).to.equal(2);
      });
    });

    describe("parseGtin", function () {
      it("pads GTIN-8, -12 and -13 to GTIN-14", function () {
        expect(formatGtin(parseGtin("036000291452"))).to.equal("00036000291452");
        expect(formatGtin(parseGtin("4006381333931"))).to.equal("04006381333931");
        expect(formatGtin(parseGtin("96385074"))).to.equal("00000096385074");
      });
      it("accepts a number", function () {
        expect(parseGtin(9506000134352n)).to.equal(9506000134352n);
      });
      it("names the field and the right check digit on a bad check digit", function () {
        expect(() => parseGtin("09506000134353", "--gtin")).to.throw(
          'expected a GTIN whose check digit is 2 (GS1 mod-10), not 3',
        );
        expectInputError(() => parseGtin("09506000134353", "--gtin"), "--gtin");
      });
      it("rejects a wrong length", function () {
        expectInputError(() => parseGtin("123"), "gtin");
      });
      it("rejects all zeros", function () {
        expectInputError(() => parseGtin("00000000000000"), "gtin");
      });
    });

    describe("makeGtin / gtinHasPrefix", function () {
      it("builds a GTIN under a company prefix", function () {
        const gtin = makeGtin("0312345", "00017");
        expect(hasValidCheckDigit(formatGtin(gtin))).to.equal(true);
        expect(gtinHasPrefix(gtin, "0312345")).to.equal(true);
        expect(gtinHasPrefix(gtin, "0398765")).to.equal(false);
      });
      it("refuses parts of the wrong length", function () {
        expectInputError(() => makeGtin("0312345", "17"), "gtin");
      });
    });

    describe("GLN", function () {
      it("round-trips a GLN", function () {
        const gln = makeGln("061414100001");
        expect(parseGln(formatGln(gln))).to.equal(gln);
      });
      it("rejects a bad check digit", function () {
        const text = formatGln(makeGln("061414100001"));
        expectInputError(() => parseGln(text.slice(0, -1) + ((Number(text.slice(-1)) + 1) % 10)), "gln");
      });
      it("rejects a 12-digit value", function () {
        expectInputError(() => parseGln("061414100001"), "gln");
      });
      it("rejects a bad body for makeGln", function () {
        expectInputError(() => makeGln("12"), "gln");
      });
    });

    describe("lots, serials and prefixes", function () {
      it("accepts every character of GS1 set 82", function () {
        expect(parseLot("!\"%&'()*+,-./09:;<=")).to.have.length(19);
        expect(parseSerial(">?AZ_az")).to.equal(">?AZ_az");
      });
      for (const bad of ["", "A".repeat(21), "LOT 1", "LOT#1", "LOTé"]) {
        it(`rejects the lot ${JSON.stringify(bad)}`, function () {
          expectInputError(() => parseLot(bad), "lot");
        });
        it(`rejects the serial ${JSON.stringify(bad)}`, function () {
          expectInputError(() => parseSerial(bad), "serial");
        });
      }
      it("accepts a company prefix of 4 to 12 digits and nothing else", function () {
        expect(parseCompanyPrefix("0312345")).to.equal("0312345");
        expectInputError(() => parseCompanyPrefix("031"), "prefix");
        expectInputError(() => parseCompanyPrefix("03123A5"), "prefix");
      });
    });

    describe("expiry (AI 17)", function () {
      const now = new Date(Date.UTC(2026, 10, 21));
      it("is the end of the day, UTC", function () {
        expect(expiryFromYYMMDD("281231", "expiry", now)).to.equal(Date.UTC(2028, 11, 31, 23, 59, 59) / 1000);
      });
      it("reads day 00 as the last day of the month", function () {
        expect(expiryFromYYMMDD("280200", "expiry", now)).to.equal(Date.UTC(2028, 1, 29, 23, 59, 59) / 1000);
      });
      it("puts a year more than 50 years ahead in the previous century", function () {
        expect(new Date(expiryFromYYMMDD("990101", "expiry", now) * 1000).getUTCFullYear()).to.equal(1999);
      });
      it("round-trips through YYMMDD", function () {
        expect(expiryToYYMMDD(expiryFromYYMMDD("270615", "expiry", now))).to.equal("270615");
      });
      for (const bad of ["2712", "271315", "270231", "27-6-1"]) {
        it(`rejects ${bad}`, function () {
          expectInputError(() => expiryFromYYMMDD(bad, "--expiry", now), "--expiry");
        });
      }
    });

    describe("GS1 Digital Link", function () {
      it("parses the primary key and the expiry", function () {
        const pack = parseDigitalLink("https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/SN-001?17=281231");
        expect(pack).to.deep.equal({ gtin: 9506000134352n, lot: "ABC/1", serial: "SN-001", expiry: "281231" });
      });
      it("accepts a resolver path before /01", function () {
        expect(parseDigitalLink("https://example.com/r/01/09506000134352/10/L1/21/S1").serial).to.equal("S1");
      });
      it("round-trips what it formats", function () {
        const pack = { gtin: GTIN, lot: "A24/0001", serial: "SN%1", expiry: "281231" };
        expect(parseDigitalLink(formatDigitalLink(pack))).to.deep.equal(pack);
      });
      it("rejects a link without a serial", function () {
        expectInputError(() => parseDigitalLink("https://id.gs1.org/01/09506000134352/10/L1"), "link");
      });
      it("rejects a link without a lot", function () {
        expectInputError(() => parseDigitalLink("https://id.gs1.org/01/09506000134352/21/S1"), "link");
      });
      it("rejects a link without a GTIN", function () {
        expectInputError(() => parseDigitalLink("https://id.gs1.org/10/L1/21/S1"), "link");
      });
      it("rejects text that is not a URI", function () {
        expectInputError(() => parseDigitalLink("not a link"), "link");
      });
      it("names the AI of a bad GTIN", function () {
        expectInputError(() => parseDigitalLink("https://id.gs1.org/01/09506000134353/10/L1/21/S1"), "link (01)");
      });
    });
  });

  describe("ids (mirrors contracts/libraries/Ids.sol)", function () {
    it("derives the batch id as the contract does", async function () {
      const { rx } = await loadFixture(deployFixture);
      expect(await rx.batchIdOf(GTIN, LOT)).to.equal(batchIdOf(GTIN, LOT));
    });
    it("derives the shipment id as the contract does", async function () {
      const { rx, manufacturer, distributor } = await loadFixture(deployFixture);
      const shipment = { batchId: batchIdOf(GTIN, LOT), sender: manufacturer.address, receiver: distributor.address, quantity: 2000n, nonce: 7n };
      expect(await rx.shipmentIdOf(shipment)).to.equal(shipmentIdOf(shipment));
    });
    it("round-trips a serial through 32 bytes", function () {
      expect(serialFromBytes32(serialToBytes32("SN000042"))).to.equal("SN000042");
    });
    it("hashes the pack key over batch id and serial", function () {
      const batchId = batchIdOf(GTIN, LOT);
      const serial = serialToBytes32("SN1");
      expect(packKeyOf(batchId, serial)).to.equal(
        ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [batchId, serial])),
      );
    });
  });

  describe("temperature (logger file -> leg summary)", function () {
    const csv = (rows: [string, number][]) => Buffer.from(["timestamp,celsius", ...rows.map(([t, c]) => `${t},${c}`)].join("\n"));
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 6, minute)).toISOString();
    const COLD = { minTemp: 20, maxTemp: 80 };

    it("gives a constant temperature as its own mean kinetic temperature", function () {
      const leg = summarizeLeg(csv([[at(0), 5], [at(60), 5], [at(120), 5]]), COLD);
      expect([leg.minTemp, leg.maxTemp, leg.meanKineticTemp, leg.minutesOutOfRange]).to.deep.equal([50, 50, 50, 0]);
    });

    it("weights by Arrhenius: an hour at 20 °C and an hour at 30 °C make 26.26 °C, not the mean 25 °C", function () {
      // dH/R = 10,000 K: 10000 / -ln((e^(-10000/293.15) + e^(-10000/303.15)) / 2) - 273.15 = 26.2599 (USP <1079>)
      const readings = [{ time: 0, celsius: 20 }, { time: 3600, celsius: 30 }, { time: 7200, celsius: 30 }];
      expect(meanKineticTemperature(readings)).to.be.closeTo(26.2599, 0.0005);
    });

    it("counts the minutes spent out of range, each reading holding until the next", function () {
      const leg = summarizeLeg(csv([[at(0), 5], [at(15), 12], [at(30), 12.5], [at(45), 5], [at(60), 1.5], [at(75), 5]]), COLD);
      // 12.0 and 12.5 hold 15 minutes each (above 8.0); 1.5 holds 15 minutes (below 2.0)
      expect([leg.minTemp, leg.maxTemp, leg.minutesOutOfRange]).to.deep.equal([15, 125, 45]);
    });

    it("counts a last reading out of range as at least one minute", function () {
      expect(summarizeLeg(csv([[at(0), 5], [at(15), 9]]), COLD).minutesOutOfRange).to.equal(1);
    });

    it("commits to the file's exact bytes", function () {
      const bytes = csv([[at(0), 5], [at(15), 6]]);
      expect(summarizeLeg(bytes, COLD).loggerHash).to.equal(ethers.keccak256(bytes));
    });

    it("names the line of a malformed reading", function () {
      expectInputError(() => summarizeLeg(csv([[at(0), 5], ["yesterday", 6]]), COLD, "leg.csv"), "leg.csv line 3");
    });

    it("refuses readings that go back in time", function () {
      expectInputError(() => summarizeLeg(csv([[at(15), 5], [at(0), 6]]), COLD, "leg.csv"), "leg.csv line 3");
    });
  });

  describe("keccak", function () {
    it(`(${keccakImplementation}) agrees with ethers and @noble/hashes`, function () {
      for (const size of [0, 1, 32, 64, 135, 136, 137, 1000]) {
        const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) & 255));
        const ours = "0x" + keccak256Raw(data).toString("hex");
        expect(ours).to.equal(ethers.keccak256(data));
        expect(ours).to.equal("0x" + Buffer.from(keccak_256(data)).toString("hex"));
      }
    });
  });

  describe("SerialTree", function () {
    const serials = serialRange(257);
    const tree = SerialTree.of(serials);
    const reference = StandardMerkleTree.of(
      serials.map((s) => [serialToBytes32(s)]),
      ["bytes32"],
    );

    it("has the root of OpenZeppelin's StandardMerkleTree", function () {
      expect(tree.root).to.equal(reference.root);
    });
    it("gives OpenZeppelin's proof for every serial", function () {
      serials.forEach((serial, i) => expect(tree.proof(serial)).to.deep.equal(reference.getProof(i)));
    });
    it("hands itself over as a StandardMerkleTree that verifies", function () {
      const standard = tree.toStandardTree();
      expect(standard.root).to.equal(reference.root);
      expect(() => standard.validate()).not.to.throw();
    });
    it("uses the leaf the contract hashes", function () {
      const leaf = serialLeafOf(serialToBytes32(serials[3]));
      expect(reference.leafHash([serialToBytes32(serials[3])])).to.equal(leaf);
    });
    it("is a single leaf for one serial", function () {
      const one = SerialTree.of(["ONLY1"]);
      expect(one.root).to.equal(serialLeafOf(serialToBytes32("ONLY1")));
      expect(one.proof("ONLY1")).to.deep.equal([]);
    });
    it("refuses a serial it does not hold", function () {
      expectInputError(() => tree.proof("SN999999"), "serial");
      expect(tree.has("SN999999")).to.equal(false);
      expect(tree.has(serials[0])).to.equal(true);
    });
    it("refuses duplicates", function () {
      expectInputError(() => SerialTree.of(["A1", "B2", "A1"]), "serials[2]");
    });
    it("refuses an empty list", function () {
      expectInputError(() => SerialTree.of([]), "serials");
    });
    it("refuses a serial outside GS1 set 82", function () {
      expectInputError(() => SerialTree.of(["A1", "B 2"]), "serials[1]");
    });
  });
});
