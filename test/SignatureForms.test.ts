/**
 * The byte forms of a key's signature that the signed entry points take (SignedHandovers._requireSigner): the
 * 64-byte compact form (EIP-2098, r and yParity-and-s) and the 65-byte form (r, s, v) that wallets produce, for
 * both values of v; a 65-byte signature with the wrong v recovers another address and is refused. Contract
 * signers (ERC-1271) are in ContractPartners.test.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { legFields, readDomain, SIGNED_TYPES } from "../src/signing/typed-data";
import { DAY, GOOD_LEG, shippedFixture } from "./fixtures";

/**
 * The distributor's signature of the receipt of the shipped 60 units, with a deadline chosen so that its v is
 * `v` (the signature of a fixed message is deterministic, so the deadline is what varies).
 */
async function signedReceiptFixture(v: 27 | 28) {
  const base = await loadFixture(shippedFixture);
  const domain = await readDomain(base.rx);
  const now = BigInt(await time.latest());
  for (let extra = 0n; ; extra++) {
    const deadline = now + BigInt(DAY) + extra;
    const message = { shipment: base.shipment, leg: legFields(GOOD_LEG), nonce: 0n, deadline };
    const sig = ethers.Signature.from(await base.distributor.signTypedData(domain, SIGNED_TYPES.receive, message));
    if (sig.v !== v) continue;
    const digest = ethers.TypedDataEncoder.hash(domain, SIGNED_TYPES.receive, message);
    const auth = (signature: string) => ({ nonce: 0n, deadline, chainId: domain.chainId, signature });
    return { ...base, sig, digest, auth };
  }
}

const withV27 = () => signedReceiptFixture(27);
const withV28 = () => signedReceiptFixture(28);

describe("SignatureForms", function () {
  for (const [v, fixture] of [[27, withV27], [28, withV28]] as const) {
    describe(`a key's signature with v = ${v}`, function () {
      it("is accepted in its 65-byte form (r, s, v)", async function () {
        const { rx, batchId, distributor, stranger, shipment, sig, auth } = await loadFixture(fixture);
        expect(ethers.getBytes(sig.serialized).length).to.equal(65);
        await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.serialized))).to.emit(rx, "Received");
        expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(60n);
      });

      it("is accepted in its 64-byte compact form (r, yParity and s)", async function () {
        const { rx, batchId, distributor, stranger, shipment, sig, auth } = await loadFixture(fixture);
        expect(ethers.getBytes(sig.compactSerialized).length).to.equal(64);
        await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(sig.compactSerialized))).to.emit(rx, "Received");
        expect((await rx.holding(batchId, distributor.address)).saleable).to.equal(60n);
      });

      it("is refused in its 65-byte form with the other v: SignatureInvalidSigner names the address it recovers to", async function () {
        const { rx, distributor, stranger, shipment, sig, digest, auth } = await loadFixture(fixture);
        const flipped = ethers.concat([sig.r, sig.s, ethers.toBeHex(v === 27 ? 28 : 27, 1)]);
        const recovered = ethers.recoverAddress(digest, { r: sig.r, s: sig.s, v: v === 27 ? 28 : 27 });
        expect(recovered).to.not.equal(distributor.address);
        await expect(rx.connect(stranger).receiveSigned(shipment, GOOD_LEG, auth(flipped)))
          .to.be.revertedWithCustomError(rx, "SignatureInvalidSigner")
          .withArgs(distributor.address, recovered);
      });
    });
  }
});
