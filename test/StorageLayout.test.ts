import { expect } from "chai";
import { artifacts } from "hardhat";

interface Slot {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

/** The extensions run on the core's storage (DELEGATECALL): their variables must sit in exactly the same slots. */
describe("Storage layout of the DELEGATECALL seam", function () {
  async function layoutOf(name: string): Promise<Slot[]> {
    const fqn = `contracts/${name}.sol:${name}`;
    const info = await artifacts.getBuildInfo(fqn);
    const output = info?.output.contracts[`contracts/${name}.sol`]?.[name] as { storageLayout?: { storage: Slot[] } } | undefined;
    if (!output?.storageLayout) throw new Error(`no storage layout for ${fqn}: compile with storageLayout selected`);
    // Type ids carry AST ids that differ between the two contracts' builds; compare the type's readable part.
    return output.storageLayout.storage.map(({ label, slot, offset, type }) => ({ label, slot, offset, type: type.replace(/\)\d+/g, ")") }));
  }

  it("RxTraceExtension declares the same variables in the same slots as RxTrace", async function () {
    const core = await layoutOf("RxTrace");
    const extension = await layoutOf("RxTraceExtension");
    expect(core.length).to.be.greaterThan(10);
    expect(extension).to.deep.equal(core);
  });

  it("RxTraceExtension3 declares the same variables in the same slots as RxTrace", async function () {
    const core = await layoutOf("RxTrace");
    const extension3 = await layoutOf("RxTraceExtension3");
    expect(core.length).to.be.greaterThan(10);
    expect(extension3).to.deep.equal(core);
  });

  it("RxTraceExtension2 declares the same variables in the same slots as RxTrace", async function () {
    const core = await layoutOf("RxTrace");
    const extension2 = await layoutOf("RxTraceExtension2");
    expect(core.length).to.be.greaterThan(10);
    expect(extension2).to.deep.equal(core);
  });
});
