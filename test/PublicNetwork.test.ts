import { expect } from "chai";
import hre from "hardhat";
import { parseUnits } from "ethers";
import { explorerApiKey, resolveExplorerKey } from "../src/chain/explorer";
import { FeePolicyProvider, POLYGON_MIN_PRIORITY_FEE, txPolicyFor, waitFinal } from "../src/chain/public-tx";

/** The public-network rules on the in-process network's real provider: fees, the cap, finality; the explorer key. */
describe("Public networks", function () {
  const saved = { ...process.env };
  afterEach(function () {
    for (const key of ["RXTRACE_MAX_FEE_GWEI", "RXTRACE_FINALITY", "RXTRACE_CONFIRMATIONS"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  describe("txPolicyFor", function () {
    it("applies Polygon's 25 gwei priority fee and the finalized block on Amoy and Polygon PoS only", function () {
      expect([80002, 137, 31337].map((id) => [txPolicyFor("x", id).minPriorityFee, txPolicyFor("x", id).finalized])).to.deep.equal([
        [POLYGON_MIN_PRIORITY_FEE, true],
        [POLYGON_MIN_PRIORITY_FEE, true],
        [0n, false],
      ]);
    });

    it("reads the fee cap from RXTRACE_MAX_FEE_GWEI", function () {
      process.env.RXTRACE_MAX_FEE_GWEI = "300";
      expect(txPolicyFor("amoy", 80002).maxFee).to.equal(parseUnits("300", "gwei"));
    });

    it("refuses a cap that is not a number of gwei, naming the variable and the value", function () {
      process.env.RXTRACE_MAX_FEE_GWEI = "lots";
      expect(() => txPolicyFor("amoy", 80002)).to.throw("RXTRACE_MAX_FEE_GWEI=lots: expected a number of gwei, such as 300");
    });
  });

  describe("FeePolicyProvider", function () {
    it("sends with at least Polygon's minimum priority fee and twice the base fee on top", async function () {
      const [from, to] = await hre.ethers.getSigners();
      const provider = new FeePolicyProvider(hre.network.provider, txPolicyFor("amoy", 80002));
      const hash = (await provider.request({ method: "eth_sendTransaction", params: [{ from: from.address, to: to.address, value: "0x1" }] })) as string;
      const tx = (await hre.ethers.provider.getTransaction(hash))!;
      const block = (await hre.ethers.provider.getBlock(tx.blockNumber! - 1))!;
      expect(tx.maxPriorityFeePerGas).to.equal(POLYGON_MIN_PRIORITY_FEE);
      expect(tx.maxFeePerGas! >= POLYGON_MIN_PRIORITY_FEE + block.baseFeePerGas!).to.equal(true);
    });

    it("refuses, before sending, a transaction the cap cannot pay", async function () {
      process.env.RXTRACE_MAX_FEE_GWEI = "10";
      const [from, to] = await hre.ethers.getSigners();
      const provider = new FeePolicyProvider(hre.network.provider, txPolicyFor("amoy", 80002));
      const before = await hre.ethers.provider.getTransactionCount(from.address);
      let message = "";
      await provider.request({ method: "eth_sendTransaction", params: [{ from: from.address, to: to.address, value: "0x1" }] }).catch((e: Error) => (message = e.message));
      expect(message).to.match(/^the fee cap 10\.0 gwei \(RXTRACE_MAX_FEE_GWEI=10\.0\) is below what a transaction needs on amoy now/);
      expect(await hre.ethers.provider.getTransactionCount(from.address)).to.equal(before);
    });
  });

  describe("waitFinal", function () {
    it("says a transaction is final once the finalized block reached it", async function () {
      const [from, to] = await hre.ethers.getSigners();
      const receipt = (await (await from.sendTransaction({ to: to.address, value: 1n })).wait())!;
      const lines: string[] = [];
      await waitFinal(hre.ethers.provider, receipt, txPolicyFor("amoy", 80002), (l) => lines.push(l));
      expect(lines).to.deep.equal([`final: block ${receipt.blockNumber} is finalized (finalized block ${receipt.blockNumber})`]);
    });

    it("counts confirmations where asked, and gives up after the timeout naming it", async function () {
      process.env.RXTRACE_FINALITY = "confirmations";
      process.env.RXTRACE_CONFIRMATIONS = "3";
      const [from, to] = await hre.ethers.getSigners();
      const receipt = (await (await from.sendTransaction({ to: to.address, value: 1n })).wait())!;
      const policy = { ...txPolicyFor("amoy", 80002), finalityTimeoutMs: 50, pollMs: 10 };
      let message = "";
      await waitFinal(hre.ethers.provider, receipt, policy, () => undefined).catch((e: Error) => (message = e.message));
      expect(message).to.include(`is mined in block ${receipt.blockNumber} but not final after 0.05 s (3 confirmations wanted; RXTRACE_FINALITY_TIMEOUT_MS)`);
      await hre.network.provider.send("hardhat_mine", ["0x2"]);
      const lines: string[] = [];
      await waitFinal(hre.ethers.provider, receipt, policy, (l) => lines.push(l));
      expect(lines).to.deep.equal([`final: block ${receipt.blockNumber} has 3 confirmations`]);
    });
  });

  describe("the explorer key (Etherscan V2)", function () {
    it("takes ETHERSCAN_API_KEY as the one key, a single string as hardhat-verify's V2 API wants", function () {
      expect(resolveExplorerKey({ ETHERSCAN_API_KEY: "E", POLYGONSCAN_API_KEY: "P" })).to.deep.equal({ key: "E" });
      expect(typeof hre.config.etherscan.apiKey).to.equal("string");
      expect(explorerApiKey({})).to.equal("");
    });

    it("still reads POLYGONSCAN_API_KEY alone, with a warning naming both variables", function () {
      const { key, warning } = resolveExplorerKey({ POLYGONSCAN_API_KEY: "P" });
      expect(key).to.equal("P");
      expect(warning).to.match(/^POLYGONSCAN_API_KEY is deprecated: .* set ETHERSCAN_API_KEY in \.env instead/);
    });
  });
});
