import { expect } from "chai";
import { InputError } from "../../src/domain/errors";
import { GS, parseElements, parseElementString, parseScannedCode } from "../../src/gs1/element-string";

const GTIN = 312345000172n;

function expectInputError(fn: () => unknown, field: string): void {
  expect(fn).to.throw(InputError).with.property("field", field);
}

describe("GS1 element strings (src/gs1/element-string.ts)", function () {
  describe("when a DataMatrix delivers the pack's AIs with FNC1 separators", function () {
    it("reads GTIN, expiry, lot and serial after the ]d2 symbology identifier", function () {
      const pack = parseElementString(`]d2010031234500017217280331` + `10A24-0001${GS}21SN000002`);
      expect(pack).to.deep.equal({ gtin: GTIN, lot: "A24-0001", serial: "SN000002", expiry: "280331" });
    });

    it("reads the fields in any order, the serial before the lot", function () {
      const pack = parseElementString(`010031234500017221SN000002${GS}10A24-0001`);
      expect(pack).to.deep.equal({ gtin: GTIN, lot: "A24-0001", serial: "SN000002", expiry: undefined });
    });

    it("accepts FNC1 written as <GS>, as keyboard-mode scanners type it", function () {
      const pack = parseElementString("]d2010031234500017221SN000002<GS>10A24-0001");
      expect(pack.serial).to.equal("SN000002");
    });

    it("skips AIs it does not need, such as a national healthcare number (714)", function () {
      const elements = parseElements(`0100312345000172714ABC123${GS}10A24-0001${GS}21SN9`);
      expect([...elements.keys()]).to.deep.equal(["01", "714", "10", "21"]);
    });
  });

  describe("when the human-readable bracketed form is pasted", function () {
    it("reads (01)(17)(10)(21)", function () {
      const pack = parseElementString("(01)00312345000172(17)280331(10)A24-0001(21)SN000002");
      expect(pack).to.deep.equal({ gtin: GTIN, lot: "A24-0001", serial: "SN000002", expiry: "280331" });
    });
  });

  describe("when the element string is wrong", function () {
    it("names the GTIN field when its check digit is wrong", function () {
      expectInputError(() => parseElementString(`0100312345000173` + `10A24-0001${GS}21SN1`), "code (01)");
    });

    it("names the field when the serial is missing", function () {
      expectInputError(() => parseElementString("010031234500017210A24-0001"), "code");
    });

    it("names the AI when a fixed-length field is cut short", function () {
      expectInputError(() => parseElementString("01003123450"), "code (01)");
    });

    it("names the expiry field when the date is impossible", function () {
      expectInputError(() => parseElementString(`010031234500017217281331` + `10A24${GS}21SN1`), "code (17)");
    });

    it("says which characters are not an application identifier", function () {
      expect(() => parseElementString("ZZ12")).to.throw(InputError, /"ZZ12" at position 0/);
    });

    it("refuses an AI given twice", function () {
      expectInputError(() => parseElementString(`10A${GS}10B${GS}0100312345000172`), "code (10)");
    });
  });

  describe("when any scanned code is read", function () {
    it("reads a Digital Link URI (QR code)", function () {
      const pack = parseScannedCode("https://id.rxtrace.example/01/00312345000172/10/A24-0001/21/SN000002?17=280331");
      expect(pack).to.deep.equal({ gtin: GTIN, lot: "A24-0001", serial: "SN000002", expiry: "280331" });
    });

    it("reads an element string (DataMatrix)", function () {
      const pack = parseScannedCode(`]d2010031234500017210A24-0002${GS}21SNB000001`);
      expect(pack.lot).to.equal("A24-0002");
    });

    it("names the given field when the code is neither", function () {
      expectInputError(() => parseScannedCode("hello", "photo"), "photo");
    });
  });
});
