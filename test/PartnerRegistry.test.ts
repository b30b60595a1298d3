import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Interface } from "ethers";
import {
  IAccessControl__factory,
  IAccessControlDefaultAdminRules__factory,
  IERC165__factory,
} from "../typechain-types";
import { deployRxTrace } from "../src/chain/deploy";
import { Role, Standing } from "../src/domain/enums";
import { formatGln, gs1CheckDigit, makeGln, makeGtin } from "../src/gs1/identifiers";
import { batchIdOf, shipmentIdOf } from "../src/domain/ids";
import { CAST, GTIN } from "../src/scenario/scenario";
import {
  LICENCE_REF,
  LOT,
  SUSPENSION_REASON,
  YEAR,
  batchFixture,
  commissionArgs,
  commissionInput,
  deployFixture,
  licenceExpiredFixture,
  partnersFixture,
  suspendedFixture,
} from "./fixtures";

const { ZeroAddress } = ethers;

const RENEWED_REF = ethers.id("renewed licence document");
/** Routine acts on distributors and dispensers, and suspensions: the admin or an operator (IGovernance). */
const OPERATOR_ROLE = ethers.id("OPERATOR_ROLE");
const ADMIN_DELAY = 3n * 86400n;

/** The manufacturer's prefix in the cast (7 digits) and a second one of another length (8 digits). */
const PREFIX = "0312345";
const SECOND_PREFIX = "95060001";
const SECOND_GTIN = makeGtin(SECOND_PREFIX, "0003");
const SECOND_LOT = "B24-0002";

/** A newcomer to onboard in tests that need an account outside the cast. */
const NEWCOMER_GLN = makeGln("050000100001");
const NEWCOMER_NAME = "Delta Specialty Wholesale";

function castMember(key: (typeof CAST)[number]["key"]) {
  const member = CAST.find((m) => m.key === key);
  if (member === undefined) throw new Error(`no cast member ${key}`);
  return member;
}

const MANUFACTURER = castMember("manufacturer");
const DISTRIBUTOR = castMember("distributor");

/** One cast member of each role. */
const ROLE_SAMPLES = [MANUFACTURER, DISTRIBUTOR, castMember("pharmacy"), castMember("regulator")];

/** `gln` with its check digit replaced by the next digit (mod 10): a wrong check digit. */
function withWrongCheckDigit(gln: bigint): bigint {
  return gln - (gln % 10n) + (((gln % 10n) + 1n) % 10n);
}

/** A 14-digit number whose check digit is correct, so only its length makes it an invalid GLN. */
function fourteenDigitNumber(gln: bigint): bigint {
  const body = `1${formatGln(gln).slice(0, -1)}`;
  return BigInt(body + gs1CheckDigit(body));
}

/**
 * ERC-165 interface id of the functions `iface` declares itself: the XOR of their selectors, leaving out the
 * functions it inherits from `inherited` (typechain ABIs list inherited functions too, but Solidity's
 * `type(I).interfaceId` only counts the interface's own).
 */
function interfaceIdOf(iface: Interface, inherited: Interface[] = []): string {
  const excluded = new Set<string>();
  for (const parent of inherited) parent.forEachFunction((f) => excluded.add(f.selector));
  let id = 0;
  iface.forEachFunction((f) => {
    if (!excluded.has(f.selector)) id ^= Number.parseInt(f.selector.slice(2), 16);
  });
  return `0x${(id >>> 0).toString(16).padStart(8, "0")}`;
}

/** The cast onboarded with a licence valid one year, no company prefixes assigned yet. */
async function onboardedFixture() {
  const base = await loadFixture(deployFixture);
  const licenceExpiry = (await time.latest()) + YEAR;
  for (const member of CAST) {
    const account: HardhatEthersSigner = base.accounts[member.key];
    await base.rx.onboardPartner(account.address, member.role, member.gln, LICENCE_REF, licenceExpiry, member.name);
  }
  const newcomer = (await ethers.getSigners())[10];
  return { ...base, licenceExpiry, newcomer };
}

/** The manufacturer also owns a second company prefix, of 8 digits. */
async function secondPrefixFixture() {
  const base = await loadFixture(partnersFixture);
  await base.rx.assignCompanyPrefix(base.manufacturer.address, SECOND_PREFIX);
  return base;
}

/** The suite deployed with a three-day admin handover delay. */
async function delayedAdminFixture() {
  const [admin, newAdmin, other] = await ethers.getSigners();
  const rx = await deployRxTrace(ethers, admin, { adminDelay: ADMIN_DELAY });
  return { rx, admin, newAdmin, other };
}

/** The admin scheduled the handover to `newAdmin`; it can be accepted after `schedule`. */
async function handoverScheduledFixture() {
  const base = await loadFixture(delayedAdminFixture);
  const beganAt = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(beganAt);
  await base.rx.beginDefaultAdminTransfer(base.newAdmin.address);
  return { ...base, schedule: BigInt(beganAt) + ADMIN_DELAY };
}

/** The handover was accepted once the delay had passed. */
async function handedOverFixture() {
  const base = await loadFixture(handoverScheduledFixture);
  await time.setNextBlockTimestamp(base.schedule + 1n);
  await base.rx.connect(base.newAdmin).acceptDefaultAdminTransfer();
  return base;
}

/** The suite deployed with the zero address as pauser. */
async function noPauserFixture() {
  const [admin, , other] = await ethers.getSigners();
  const rx = await deployRxTrace(ethers, admin, { pauser: ZeroAddress });
  return { rx, admin, other };
}

/** The pauser paused the suite after the cast was onboarded. */
async function pausedFixture() {
  const base = await loadFixture(partnersFixture);
  await base.rx.connect(base.pauser).pause();
  return base;
}

describe("RxTrace: PartnerRegistry", function () {
  describe("onboardPartner", function () {
    for (const member of ROLE_SAMPLES) {
      describe(`when the admin onboards a ${Role[member.role]}`, function () {
        async function onboardFixture() {
          const base = await loadFixture(deployFixture);
          const account: HardhatEthersSigner = base.accounts[member.key];
          const licenceExpiry = (await time.latest()) + YEAR;
          await base.rx.onboardPartner(account.address, member.role, member.gln, LICENCE_REF, licenceExpiry, member.name);
          return { ...base, account, licenceExpiry };
        }

        it("emits PartnerOnboarded with every argument", async function () {
          const { rx, accounts } = await loadFixture(deployFixture);
          const account = accounts[member.key];
          const licenceExpiry = (await time.latest()) + YEAR;
          await expect(rx.onboardPartner(account.address, member.role, member.gln, LICENCE_REF, licenceExpiry, member.name))
            .to.emit(rx, "PartnerOnboarded")
            .withArgs(account.address, member.role, member.gln, LICENCE_REF, licenceExpiry, member.name);
        });

        it("stores the partner record", async function () {
          const { rx, account, licenceExpiry } = await loadFixture(onboardFixture);
          const p = await rx.partner(account.address);
          expect([...p]).to.deep.equal([BigInt(member.role), false, BigInt(licenceExpiry), member.gln, 0n, 0n, false]);
        });

        it("reports the partner Authorized", async function () {
          const { rx, account } = await loadFixture(onboardFixture);
          expect(await rx.standing(account.address)).to.equal(Standing.Authorized);
        });

        it("registers the GLN to the account", async function () {
          const { rx, account } = await loadFixture(onboardFixture);
          expect(await rx.accountOfGln(member.gln)).to.equal(account.address);
        });
      });
    }

    describe("when nothing was onboarded", function () {
      it("reports a stranger Unknown with an all-zero record", async function () {
        const { rx, stranger } = await loadFixture(deployFixture);
        expect(await rx.standing(stranger.address)).to.equal(Standing.Unknown);
        expect([...(await rx.partner(stranger.address))]).to.deep.equal([0n, false, 0n, 0n, 0n, 0n, false]);
      });

      it("resolves an unregistered GLN to the zero address", async function () {
        const { rx } = await loadFixture(deployFixture);
        expect(await rx.accountOfGln(MANUFACTURER.gln)).to.equal(ZeroAddress);
      });
    });

    describe("when the account is the zero address", function () {
      it("reverts with PartnerInvalidAccount", async function () {
        const { rx } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.onboardPartner(ZeroAddress, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, expiry, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidAccount")
          .withArgs(ZeroAddress);
      });
    });

    describe("when the role is None", function () {
      it("reverts with PartnerInvalidRole", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.onboardPartner(distributor.address, Role.None, DISTRIBUTOR.gln, LICENCE_REF, expiry, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidRole")
          .withArgs(Role.None);
      });
    });

    describe("when the GLN has a wrong check digit", function () {
      it("reverts with PartnerInvalidGln", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        const gln = withWrongCheckDigit(DISTRIBUTOR.gln);
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, gln, LICENCE_REF, expiry, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidGln")
          .withArgs(gln);
      });
    });

    describe("when the GLN is zero", function () {
      it("reverts with PartnerInvalidGln", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, 0n, LICENCE_REF, expiry, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidGln")
          .withArgs(0n);
      });
    });

    describe("when the GLN has 14 digits", function () {
      it("reverts with PartnerInvalidGln although its check digit is right", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        const gln = fourteenDigitNumber(DISTRIBUTOR.gln);
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, gln, LICENCE_REF, expiry, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidGln")
          .withArgs(gln);
      });
    });

    describe("when the name is empty", function () {
      it("reverts with PartnerInvalidName", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, expiry, ""))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidName")
          .withArgs("");
      });
    });

    describe("when the account is already a partner", function () {
      it("reverts with PartnerAlreadyOnboarded and its existing role", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(partnersFixture);
        await expect(rx.onboardPartner(distributor.address, Role.Dispenser, NEWCOMER_GLN, LICENCE_REF, licenceExpiry, NEWCOMER_NAME))
          .to.be.revertedWithCustomError(rx, "PartnerAlreadyOnboarded")
          .withArgs(distributor.address, Role.Distributor);
      });
    });

    describe("when the GLN belongs to another partner", function () {
      it("reverts with PartnerGlnTaken and the holder", async function () {
        const { rx, distributor, stranger, licenceExpiry } = await loadFixture(partnersFixture);
        await expect(rx.onboardPartner(stranger.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, licenceExpiry, NEWCOMER_NAME))
          .to.be.revertedWithCustomError(rx, "PartnerGlnTaken")
          .withArgs(DISTRIBUTOR.gln, distributor.address);
      });
    });

    describe("when the licence expires at the current block time", function () {
      it("reverts with PartnerLicenceExpiryNotInFuture", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, now, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerLicenceExpiryNotInFuture")
          .withArgs(now, now);
      });
    });

    describe("when the licence expired in the past", function () {
      it("reverts with PartnerLicenceExpiryNotInFuture", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, now - 1, DISTRIBUTOR.name))
          .to.be.revertedWithCustomError(rx, "PartnerLicenceExpiryNotInFuture")
          .withArgs(now - 1, now);
      });
    });

    describe("when the licence expires one second after the block", function () {
      it("onboards the partner", async function () {
        const { rx, distributor } = await loadFixture(deployFixture);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(rx.onboardPartner(distributor.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, now + 1, DISTRIBUTOR.name))
          .to.emit(rx, "PartnerOnboarded")
          .withArgs(distributor.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, now + 1, DISTRIBUTOR.name);
      });
    });

    describe("when the caller is neither the admin nor an operator", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, stranger, distributor } = await loadFixture(deployFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(
          rx.connect(stranger).onboardPartner(distributor.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, expiry, DISTRIBUTOR.name),
        )
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, OPERATOR_ROLE);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, stranger, licenceExpiry } = await loadFixture(pausedFixture);
        await expect(rx.onboardPartner(stranger.address, Role.Distributor, NEWCOMER_GLN, LICENCE_REF, licenceExpiry, NEWCOMER_NAME))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("tells a non-admin it lacks the role before it tells it the suite is paused", async function () {
        const { rx, stranger, licenceExpiry } = await loadFixture(pausedFixture);
        await expect(rx.connect(stranger).onboardPartner(stranger.address, Role.Distributor, NEWCOMER_GLN, LICENCE_REF, licenceExpiry, NEWCOMER_NAME))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, OPERATOR_ROLE);
      });
    });
  });

  describe("assignCompanyPrefix", function () {
    describe("when the admin assigns a prefix to a manufacturer", function () {
      async function assignedFixture() {
        const base = await loadFixture(onboardedFixture);
        await base.rx.assignCompanyPrefix(base.manufacturer.address, PREFIX);
        return base;
      }

      it("emits CompanyPrefixAssigned", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, PREFIX))
          .to.emit(rx, "CompanyPrefixAssigned")
          .withArgs(manufacturer.address, PREFIX);
      });

      it("records the manufacturer as the prefix owner", async function () {
        const { rx, manufacturer } = await loadFixture(assignedFixture);
        expect(await rx.companyPrefixOwner(PREFIX)).to.equal(manufacturer.address);
      });

      it("sets the bit of the prefix length in the partner record", async function () {
        const { rx, manufacturer } = await loadFixture(assignedFixture);
        expect((await rx.partner(manufacturer.address)).prefixLengths).to.equal(1n << BigInt(PREFIX.length));
      });

      it("lets the manufacturer commission a GTIN under the prefix", async function () {
        const { rx, manufacturer } = await loadFixture(assignedFixture);
        const { input } = await commissionInput();
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchIdOf(GTIN, LOT), manufacturer.address, GTIN, commissionArgs(input));
        expect(await rx.manufacturerOf(batchIdOf(GTIN, LOT))).to.equal(manufacturer.address);
      });

      it("does not make the same digits without the leading zero a prefix of the manufacturer", async function () {
        const { rx } = await loadFixture(assignedFixture);
        expect(await rx.companyPrefixOwner(PREFIX.slice(1))).to.equal(ZeroAddress);
      });
    });

    describe("when the manufacturer has no prefix yet", function () {
      it("cannot commission: reverts with BatchGtinNotOwned", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        const { input } = await commissionInput();
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchGtinNotOwned")
          .withArgs(GTIN, manufacturer.address);
      });
    });

    describe("when the prefix has the minimum of 4 digits", function () {
      it("assigns it", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, "0312"))
          .to.emit(rx, "CompanyPrefixAssigned")
          .withArgs(manufacturer.address, "0312");
        expect(await rx.companyPrefixOwner("0312")).to.equal(manufacturer.address);
      });
    });

    describe("when the prefix has the maximum of 12 digits", function () {
      it("assigns it", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, "031234567890"))
          .to.emit(rx, "CompanyPrefixAssigned")
          .withArgs(manufacturer.address, "031234567890");
        expect(await rx.companyPrefixOwner("031234567890")).to.equal(manufacturer.address);
      });
    });

    describe("when the manufacturer gets a second prefix of another length", function () {
      it("sets the bits of both prefix lengths", async function () {
        const { rx, manufacturer } = await loadFixture(secondPrefixFixture);
        expect((await rx.partner(manufacturer.address)).prefixLengths).to.equal(
          (1n << BigInt(PREFIX.length)) | (1n << BigInt(SECOND_PREFIX.length)),
        );
      });

      it("lets the manufacturer commission a GTIN under the second prefix", async function () {
        const { rx, manufacturer } = await loadFixture(secondPrefixFixture);
        const { input } = await commissionInput({ gtin: SECOND_GTIN, lot: SECOND_LOT });
        const batchId = batchIdOf(SECOND_GTIN, SECOND_LOT);
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchId, manufacturer.address, SECOND_GTIN, commissionArgs(input));
        expect(await rx.manufacturerOf(batchId)).to.equal(manufacturer.address);
      });

      it("still lets the manufacturer commission a GTIN under the first prefix", async function () {
        const { rx, manufacturer } = await loadFixture(secondPrefixFixture);
        const { input } = await commissionInput();
        await expect(rx.connect(manufacturer).commissionBatch(input))
          .to.emit(rx, "BatchCommissioned")
          .withArgs(batchIdOf(GTIN, LOT), manufacturer.address, GTIN, commissionArgs(input));
        expect(await rx.manufacturerOf(batchIdOf(GTIN, LOT))).to.equal(manufacturer.address);
      });

      it("does not let another manufacturer commission under it", async function () {
        const { rx, otherManufacturer } = await loadFixture(secondPrefixFixture);
        const { input } = await commissionInput({ gtin: SECOND_GTIN, lot: SECOND_LOT });
        await expect(rx.connect(otherManufacturer).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "BatchGtinNotOwned")
          .withArgs(SECOND_GTIN, otherManufacturer.address);
      });
    });

    describe("when the account is a distributor (a prefix for its SSCCs)", function () {
      it("assigns it: emits CompanyPrefixAssigned and records the distributor as the owner", async function () {
        const { rx, distributor } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(distributor.address, PREFIX))
          .to.emit(rx, "CompanyPrefixAssigned")
          .withArgs(distributor.address, PREFIX);
        expect(await rx.companyPrefixOwner(PREFIX)).to.equal(distributor.address);
      });

      it("does not let the distributor commission a GTIN under it: PartnerWrongRole", async function () {
        const { rx, distributor } = await loadFixture(onboardedFixture);
        await rx.assignCompanyPrefix(distributor.address, PREFIX);
        const { input } = await commissionInput();
        await expect(rx.connect(distributor).commissionBatch(input))
          .to.be.revertedWithCustomError(rx, "PartnerWrongRole")
          .withArgs(distributor.address, Role.Distributor, Role.Manufacturer);
      });
    });

    describe("when the account was never onboarded", function () {
      it("reverts with PartnerUnknown", async function () {
        const { rx, stranger } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(stranger.address, PREFIX))
          .to.be.revertedWithCustomError(rx, "PartnerUnknown")
          .withArgs(stranger.address);
      });
    });

    describe("when the prefix has 3 digits", function () {
      it("reverts with PartnerInvalidCompanyPrefix", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, "031"))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidCompanyPrefix")
          .withArgs("031");
      });
    });

    describe("when the prefix has 13 digits", function () {
      it("reverts with PartnerInvalidCompanyPrefix", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, "0312345678901"))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidCompanyPrefix")
          .withArgs("0312345678901");
      });
    });

    describe("when the prefix holds a letter", function () {
      it("reverts with PartnerInvalidCompanyPrefix", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, "03123A5"))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidCompanyPrefix")
          .withArgs("03123A5");
      });
    });

    describe("when the prefix holds a character below '0'", function () {
      it("reverts with PartnerInvalidCompanyPrefix", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, "0312-45"))
          .to.be.revertedWithCustomError(rx, "PartnerInvalidCompanyPrefix")
          .withArgs("0312-45");
      });
    });

    describe("when the prefix belongs to another manufacturer", function () {
      it("reverts with PartnerCompanyPrefixTaken and the owner", async function () {
        const { rx, manufacturer, otherManufacturer } = await loadFixture(partnersFixture);
        await expect(rx.assignCompanyPrefix(otherManufacturer.address, PREFIX))
          .to.be.revertedWithCustomError(rx, "PartnerCompanyPrefixTaken")
          .withArgs(PREFIX, manufacturer.address);
      });
    });

    describe("when the prefix is assigned to the same manufacturer twice", function () {
      it("reverts with PartnerCompanyPrefixTaken", async function () {
        const { rx, manufacturer } = await loadFixture(partnersFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, PREFIX))
          .to.be.revertedWithCustomError(rx, "PartnerCompanyPrefixTaken")
          .withArgs(PREFIX, manufacturer.address);
      });
    });

    describe("when the prefix is the start of another manufacturer's prefix", function () {
      it("reverts with PartnerCompanyPrefixOverlaps naming that manufacturer", async function () {
        const { rx, manufacturer, otherManufacturer } = await loadFixture(partnersFixture);
        await expect(rx.assignCompanyPrefix(otherManufacturer.address, "03123"))
          .to.be.revertedWithCustomError(rx, "PartnerCompanyPrefixOverlaps")
          .withArgs("03123", manufacturer.address);
      });
      it("leaves the other manufacturer unable to commission the brand's GTIN", async function () {
        const { rx, otherManufacturer } = await loadFixture(partnersFixture);
        await expect(rx.assignCompanyPrefix(otherManufacturer.address, "0312")).to.be.revertedWithCustomError(
          rx,
          "PartnerCompanyPrefixOverlaps",
        );
        expect(await rx.companyPrefixOwner("0312")).to.equal(ZeroAddress);
      });
    });

    describe("when the prefix starts with another manufacturer's prefix", function () {
      it("reverts with PartnerCompanyPrefixOverlaps naming that manufacturer", async function () {
        const { rx, manufacturer, otherManufacturer } = await loadFixture(partnersFixture);
        await expect(rx.assignCompanyPrefix(otherManufacturer.address, "031234599"))
          .to.be.revertedWithCustomError(rx, "PartnerCompanyPrefixOverlaps")
          .withArgs("031234599", manufacturer.address);
      });
    });

    describe("when the prefixes only share leading digits", function () {
      it("emits CompanyPrefixAssigned for a sibling prefix", async function () {
        const { rx, otherManufacturer } = await loadFixture(partnersFixture);
        await expect(rx.assignCompanyPrefix(otherManufacturer.address, "0312346"))
          .to.emit(rx, "CompanyPrefixAssigned")
          .withArgs(otherManufacturer.address, "0312346");
      });
    });

    describe("when the caller is not the admin", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, manufacturer } = await loadFixture(onboardedFixture);
        await expect(rx.connect(manufacturer).assignCompanyPrefix(manufacturer.address, PREFIX))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(manufacturer.address, await rx.DEFAULT_ADMIN_ROLE());
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, manufacturer } = await loadFixture(pausedFixture);
        await expect(rx.assignCompanyPrefix(manufacturer.address, SECOND_PREFIX))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("tells a non-admin it lacks the role before it tells it the suite is paused", async function () {
        const { rx, manufacturer } = await loadFixture(pausedFixture);
        await expect(rx.connect(manufacturer).assignCompanyPrefix(manufacturer.address, SECOND_PREFIX))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(manufacturer.address, await rx.DEFAULT_ADMIN_ROLE());
      });
    });
  });

  describe("companyPrefixOwner", function () {
    describe("when the prefix is not 4 to 12 digits", function () {
      it("returns the zero address for 3 digits", async function () {
        const { rx } = await loadFixture(partnersFixture);
        expect(await rx.companyPrefixOwner("031")).to.equal(ZeroAddress);
      });

      it("returns the zero address for a non-digit", async function () {
        const { rx } = await loadFixture(partnersFixture);
        expect(await rx.companyPrefixOwner("03123A5")).to.equal(ZeroAddress);
      });
    });

    describe("when the prefix is valid but unassigned", function () {
      it("returns the zero address", async function () {
        const { rx } = await loadFixture(partnersFixture);
        expect(await rx.companyPrefixOwner(SECOND_PREFIX)).to.equal(ZeroAddress);
      });
    });
  });

  describe("renewLicence", function () {
    describe("when a non-admin renews while the suite is paused", function () {
      it("tells it that it lacks the role before it tells it the suite is paused", async function () {
        const { rx, pauser, distributor, licenceExpiry } = await loadFixture(partnersFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(distributor).renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(distributor.address, OPERATOR_ROLE);
      });
    });

    describe("when the admin renews a partner's licence", function () {
      it("emits LicenceRenewed", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(partnersFixture);
        await expect(rx.renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR))
          .to.emit(rx, "LicenceRenewed")
          .withArgs(distributor.address, RENEWED_REF, licenceExpiry + YEAR);
      });

      it("stores the new expiry and keeps the rest of the record", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(partnersFixture);
        await rx.renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR);
        expect([...(await rx.partner(distributor.address))]).to.deep.equal([
          BigInt(Role.Distributor),
          false,
          BigInt(licenceExpiry + YEAR),
          DISTRIBUTOR.gln,
          1n << 7n, // its 7-digit company prefix (for its SSCCs)
          0n,
          false, // never re-keyed
        ]);
      });
    });

    describe("when the licence had expired", function () {
      it("makes the partner Authorized again", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(licenceExpiredFixture);
        await rx.renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR);
        expect(await rx.standing(distributor.address)).to.equal(Standing.Authorized);
      });

      it("lets the partner ship again", async function () {
        const { rx, manufacturer, distributor, batchId, licenceExpiry } = await loadFixture(licenceExpiredFixture);
        await rx.renewLicence(manufacturer.address, RENEWED_REF, licenceExpiry + YEAR);
        await rx.renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR);
        const shipment = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 10n, nonce: 0n };
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 10n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(shipment), batchId, manufacturer.address, distributor.address, 10n, 0n, false);
      });
    });

    describe("when the account was never onboarded", function () {
      it("reverts with PartnerUnknown", async function () {
        const { rx, stranger, licenceExpiry } = await loadFixture(partnersFixture);
        await expect(rx.renewLicence(stranger.address, RENEWED_REF, licenceExpiry + YEAR))
          .to.be.revertedWithCustomError(rx, "PartnerUnknown")
          .withArgs(stranger.address);
      });
    });

    describe("when the new expiry is the current block time", function () {
      it("reverts with PartnerLicenceExpiryNotInFuture", async function () {
        const { rx, distributor } = await loadFixture(partnersFixture);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(rx.renewLicence(distributor.address, RENEWED_REF, now))
          .to.be.revertedWithCustomError(rx, "PartnerLicenceExpiryNotInFuture")
          .withArgs(now, now);
      });
    });

    describe("when the new expiry is in the past", function () {
      it("reverts with PartnerLicenceExpiryNotInFuture", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(licenceExpiredFixture);
        const now = (await time.latest()) + 10;
        await time.setNextBlockTimestamp(now);
        await expect(rx.renewLicence(distributor.address, RENEWED_REF, licenceExpiry))
          .to.be.revertedWithCustomError(rx, "PartnerLicenceExpiryNotInFuture")
          .withArgs(licenceExpiry, now);
      });
    });

    describe("when the caller is neither the admin nor an operator", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(partnersFixture);
        await expect(rx.connect(distributor).renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(distributor.address, OPERATOR_ROLE);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(pausedFixture);
        await expect(rx.renewLicence(distributor.address, RENEWED_REF, licenceExpiry + YEAR))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });
  });

  describe("standing", function () {
    describe("when the block time is past the licence expiry", function () {
      it("reports LicenceExpired without any transaction", async function () {
        const { rx, distributor } = await loadFixture(licenceExpiredFixture);
        expect(await rx.standing(distributor.address)).to.equal(Standing.LicenceExpired);
      });

      it("keeps the stored record unchanged", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(licenceExpiredFixture);
        expect([...(await rx.partner(distributor.address))]).to.deep.equal([
          BigInt(Role.Distributor),
          false,
          BigInt(licenceExpiry),
          DISTRIBUTOR.gln,
          1n << 7n, // its 7-digit company prefix (for its SSCCs)
          0n,
          false, // never re-keyed
        ]);
      });

      it("stops the partner shipping: reverts with PartnerNotAuthorized(LicenceExpired)", async function () {
        const { rx, manufacturer, distributor, batchId } = await loadFixture(licenceExpiredFixture);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 10n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(manufacturer.address, Standing.LicenceExpired);
      });
    });

    describe("when the block time is exactly the licence expiry", function () {
      it("still lets the partner ship", async function () {
        const { rx, manufacturer, distributor, batchId, licenceExpiry } = await loadFixture(batchFixture);
        await time.setNextBlockTimestamp(licenceExpiry);
        const shipment = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 10n, nonce: 0n };
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 10n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(shipment), batchId, manufacturer.address, distributor.address, 10n, 0n, false);
      });
    });

    describe("when a suspended partner's licence also expired", function () {
      it("reports Suspended", async function () {
        const { rx, distributor, licenceExpiry } = await loadFixture(suspendedFixture);
        await time.increaseTo(licenceExpiry + 1);
        expect(await rx.standing(distributor.address)).to.equal(Standing.Suspended);
      });
    });
  });

  describe("suspendPartner", function () {
    describe("when the admin suspends a partner", function () {
      it("emits PartnerSuspended", async function () {
        const { rx, distributor } = await loadFixture(batchFixture);
        await expect(rx.suspendPartner(distributor.address, SUSPENSION_REASON))
          .to.emit(rx, "PartnerSuspended")
          .withArgs(distributor.address, SUSPENSION_REASON);
      });

      it("reports the partner Suspended", async function () {
        const { rx, distributor } = await loadFixture(suspendedFixture);
        expect(await rx.standing(distributor.address)).to.equal(Standing.Suspended);
      });

      it("sets the suspended flag in the record", async function () {
        const { rx, distributor } = await loadFixture(suspendedFixture);
        expect((await rx.partner(distributor.address)).suspended).to.equal(true);
      });

      it("stops a transfer to the partner: reverts with PartnerNotAuthorized(receiver, Suspended)", async function () {
        const { rx, manufacturer, distributor, batchId } = await loadFixture(suspendedFixture);
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 10n))
          .to.be.revertedWithCustomError(rx, "PartnerNotAuthorized")
          .withArgs(distributor.address, Standing.Suspended);
      });
    });

    describe("when the partner is already suspended", function () {
      it("reverts with PartnerAlreadySuspended", async function () {
        const { rx, distributor } = await loadFixture(suspendedFixture);
        await expect(rx.suspendPartner(distributor.address, SUSPENSION_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerAlreadySuspended")
          .withArgs(distributor.address);
      });
    });

    describe("when the account was never onboarded", function () {
      it("reverts with PartnerUnknown", async function () {
        const { rx, stranger } = await loadFixture(partnersFixture);
        await expect(rx.suspendPartner(stranger.address, SUSPENSION_REASON))
          .to.be.revertedWithCustomError(rx, "PartnerUnknown")
          .withArgs(stranger.address);
      });
    });

    describe("when the caller is neither the admin nor an operator", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, regulator, distributor } = await loadFixture(partnersFixture);
        await expect(rx.connect(regulator).suspendPartner(distributor.address, SUSPENSION_REASON))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(regulator.address, OPERATOR_ROLE);
      });
    });

    describe("when the suite is paused", function () {
      it("still suspends the partner", async function () {
        const { rx, distributor } = await loadFixture(pausedFixture);
        await expect(rx.suspendPartner(distributor.address, SUSPENSION_REASON))
          .to.emit(rx, "PartnerSuspended")
          .withArgs(distributor.address, SUSPENSION_REASON);
        expect(await rx.standing(distributor.address)).to.equal(Standing.Suspended);
      });
    });
  });

  describe("reinstatePartner", function () {
    describe("when the admin reinstates a suspended partner", function () {
      it("emits PartnerReinstated", async function () {
        const { rx, distributor } = await loadFixture(suspendedFixture);
        await expect(rx.reinstatePartner(distributor.address))
          .to.emit(rx, "PartnerReinstated")
          .withArgs(distributor.address);
      });

      it("reports the partner Authorized and clears the flag", async function () {
        const { rx, distributor } = await loadFixture(suspendedFixture);
        await rx.reinstatePartner(distributor.address);
        expect(await rx.standing(distributor.address)).to.equal(Standing.Authorized);
        expect((await rx.partner(distributor.address)).suspended).to.equal(false);
      });

      it("lets product move to the partner again", async function () {
        const { rx, manufacturer, distributor, batchId } = await loadFixture(suspendedFixture);
        await rx.reinstatePartner(distributor.address);
        const shipment = { batchId, sender: manufacturer.address, receiver: distributor.address, quantity: 10n, nonce: 0n };
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 10n))
          .to.emit(rx, "Shipped")
          .withArgs(shipmentIdOf(shipment), batchId, manufacturer.address, distributor.address, 10n, 0n, false);
      });
    });

    describe("when the partner is not suspended", function () {
      it("reverts with PartnerNotSuspended", async function () {
        const { rx, distributor } = await loadFixture(partnersFixture);
        await expect(rx.reinstatePartner(distributor.address))
          .to.be.revertedWithCustomError(rx, "PartnerNotSuspended")
          .withArgs(distributor.address);
      });
    });

    describe("when the account was never onboarded", function () {
      it("reverts with PartnerUnknown", async function () {
        const { rx, stranger } = await loadFixture(partnersFixture);
        await expect(rx.reinstatePartner(stranger.address))
          .to.be.revertedWithCustomError(rx, "PartnerUnknown")
          .withArgs(stranger.address);
      });
    });

    describe("when the caller is neither the admin nor an operator", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, distributor } = await loadFixture(suspendedFixture);
        await expect(rx.connect(distributor).reinstatePartner(distributor.address))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(distributor.address, OPERATOR_ROLE);
      });
    });

    describe("when the suite is paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser, distributor } = await loadFixture(suspendedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.reinstatePartner(distributor.address))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });

      it("tells a non-admin it lacks the role before it tells it the suite is paused", async function () {
        const { rx, pauser, distributor } = await loadFixture(suspendedFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(distributor).reinstatePartner(distributor.address))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(distributor.address, OPERATOR_ROLE);
      });
    });
  });
});

describe("RxTrace: RxAccess", function () {
  describe("constructor", function () {
    describe("when deployed with an admin and a pauser", function () {
      it("makes the admin the default admin", async function () {
        const { rx, admin } = await loadFixture(deployFixture);
        expect(await rx.defaultAdmin()).to.equal(admin.address);
        expect(await rx.hasRole(await rx.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      });

      it("uses the handover delay deployRxTrace defaults to (zero)", async function () {
        const { rx } = await loadFixture(deployFixture);
        expect(await rx.defaultAdminDelay()).to.equal(0n);
      });

      it("defines PAUSER_ROLE as keccak256(\"PAUSER_ROLE\")", async function () {
        const { rx } = await loadFixture(deployFixture);
        expect(await rx.PAUSER_ROLE()).to.equal(ethers.id("PAUSER_ROLE"));
      });

      it("grants PAUSER_ROLE to the pauser argument only", async function () {
        const { rx, admin, pauser } = await loadFixture(deployFixture);
        const role = await rx.PAUSER_ROLE();
        expect(await rx.hasRole(role, pauser.address)).to.equal(true);
        expect(await rx.hasRole(role, admin.address)).to.equal(false);
        const grants = await rx.queryFilter(rx.filters.RoleGranted(role));
        expect(grants.map((e) => [e.args.account, e.args.sender])).to.deep.equal([[pauser.address, admin.address]]);
      });
    });

    describe("when the pauser is the zero address", function () {
      it("grants PAUSER_ROLE to nobody", async function () {
        const { rx, admin } = await loadFixture(noPauserFixture);
        const role = await rx.PAUSER_ROLE();
        expect(await rx.queryFilter(rx.filters.RoleGranted(role))).to.have.length(0);
        expect(await rx.hasRole(role, ZeroAddress)).to.equal(false);
        expect(await rx.hasRole(role, admin.address)).to.equal(false);
      });

      it("leaves even the admin unable to pause", async function () {
        const { rx, admin } = await loadFixture(noPauserFixture);
        await expect(rx.connect(admin).pause())
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(admin.address, await rx.PAUSER_ROLE());
      });

      it("lets the admin grant PAUSER_ROLE later", async function () {
        const { rx, admin, other } = await loadFixture(noPauserFixture);
        const role = await rx.PAUSER_ROLE();
        await expect(rx.grantRole(role, other.address))
          .to.emit(rx, "RoleGranted")
          .withArgs(role, other.address, admin.address);
        await expect(rx.connect(other).pause()).to.emit(rx, "Paused").withArgs(other.address);
      });
    });

    describe("when the admin is the zero address", function () {
      it("reverts with AccessControlInvalidDefaultAdmin", async function () {
        const { rx, pauser } = await loadFixture(deployFixture);
        const factory = await ethers.getContractFactory("RxTrace");
        await expect(factory.deploy(0n, ZeroAddress, pauser.address, ZeroAddress, await rx.EXTENSION()))
          .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
          .withArgs(ZeroAddress);
      });
    });

    describe("when the extension has no code", function () {
      it("reverts with ExtensionWithoutCode naming the address", async function () {
        const { admin, pauser } = await loadFixture(deployFixture);
        const factory = await ethers.getContractFactory("RxTrace");
        await expect(factory.deploy(0n, admin.address, pauser.address, ZeroAddress, pauser.address))
          .to.be.revertedWithCustomError(factory, "ExtensionWithoutCode")
          .withArgs(pauser.address);
      });
    });
  });

  describe("pause", function () {
    describe("when the pauser pauses", function () {
      it("emits Paused", async function () {
        const { rx, pauser } = await loadFixture(partnersFixture);
        await expect(rx.connect(pauser).pause()).to.emit(rx, "Paused").withArgs(pauser.address);
      });

      it("reports the suite paused", async function () {
        const { rx } = await loadFixture(pausedFixture);
        expect(await rx.paused()).to.equal(true);
      });

      it("freezes movements of product: ship reverts with EnforcedPause", async function () {
        const { rx, pauser, manufacturer, distributor, batchId } = await loadFixture(batchFixture);
        await rx.connect(pauser).pause();
        await expect(rx.connect(manufacturer).ship(batchId, distributor.address, 10n))
          .to.be.revertedWithCustomError(rx, "EnforcedPause")
          .withArgs();
      });
    });

    describe("when the caller lacks PAUSER_ROLE", function () {
      it("reverts with AccessControlUnauthorizedAccount, even for the admin", async function () {
        const { rx, admin } = await loadFixture(partnersFixture);
        await expect(rx.connect(admin).pause())
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(admin.address, await rx.PAUSER_ROLE());
      });
    });

    describe("when the suite is already paused", function () {
      it("reverts with EnforcedPause", async function () {
        const { rx, pauser } = await loadFixture(pausedFixture);
        await expect(rx.connect(pauser).pause()).to.be.revertedWithCustomError(rx, "EnforcedPause").withArgs();
      });
    });
  });

  describe("unpause", function () {
    describe("when the pauser unpauses", function () {
      it("emits Unpaused", async function () {
        const { rx, pauser } = await loadFixture(pausedFixture);
        await expect(rx.connect(pauser).unpause()).to.emit(rx, "Unpaused").withArgs(pauser.address);
      });

      it("lets the admin work again", async function () {
        const { rx, pauser, stranger, licenceExpiry } = await loadFixture(pausedFixture);
        await rx.connect(pauser).unpause();
        expect(await rx.paused()).to.equal(false);
        await expect(rx.onboardPartner(stranger.address, Role.Distributor, NEWCOMER_GLN, LICENCE_REF, licenceExpiry, NEWCOMER_NAME))
          .to.emit(rx, "PartnerOnboarded")
          .withArgs(stranger.address, Role.Distributor, NEWCOMER_GLN, LICENCE_REF, licenceExpiry, NEWCOMER_NAME);
      });
    });

    describe("when the caller lacks PAUSER_ROLE", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, stranger } = await loadFixture(pausedFixture);
        await expect(rx.connect(stranger).unpause())
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, await rx.PAUSER_ROLE());
      });
    });

    describe("when the suite is not paused", function () {
      it("reverts with ExpectedPause", async function () {
        const { rx, pauser } = await loadFixture(partnersFixture);
        await expect(rx.connect(pauser).unpause()).to.be.revertedWithCustomError(rx, "ExpectedPause").withArgs();
      });
    });
  });

  describe("default admin handover", function () {
    describe("when deployed with a three-day delay", function () {
      it("reports the delay", async function () {
        const { rx } = await loadFixture(delayedAdminFixture);
        expect(await rx.defaultAdminDelay()).to.equal(ADMIN_DELAY);
      });
    });

    describe("when the admin begins a handover", function () {
      it("emits DefaultAdminTransferScheduled with the accept schedule", async function () {
        const { rx, newAdmin } = await loadFixture(delayedAdminFixture);
        const beganAt = (await time.latest()) + 1;
        await time.setNextBlockTimestamp(beganAt);
        await expect(rx.beginDefaultAdminTransfer(newAdmin.address))
          .to.emit(rx, "DefaultAdminTransferScheduled")
          .withArgs(newAdmin.address, BigInt(beganAt) + ADMIN_DELAY);
      });

      it("records the pending admin and schedule", async function () {
        const { rx, newAdmin, schedule } = await loadFixture(handoverScheduledFixture);
        expect([...(await rx.pendingDefaultAdmin())]).to.deep.equal([newAdmin.address, schedule]);
      });

      it("keeps the old admin in charge until acceptance", async function () {
        const { rx, admin } = await loadFixture(handoverScheduledFixture);
        expect(await rx.defaultAdmin()).to.equal(admin.address);
      });
    });

    describe("when a non-admin begins a handover", function () {
      it("reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, other } = await loadFixture(delayedAdminFixture);
        await expect(rx.connect(other).beginDefaultAdminTransfer(other.address))
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(other.address, await rx.DEFAULT_ADMIN_ROLE());
      });
    });

    describe("when the new admin accepts before the delay", function () {
      it("reverts with AccessControlEnforcedDefaultAdminDelay", async function () {
        const { rx, newAdmin, schedule } = await loadFixture(handoverScheduledFixture);
        await expect(rx.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(rx, "AccessControlEnforcedDefaultAdminDelay")
          .withArgs(schedule);
      });
    });

    describe("when the new admin accepts at the schedule second", function () {
      it("reverts with AccessControlEnforcedDefaultAdminDelay (the schedule must have passed)", async function () {
        const { rx, newAdmin, schedule } = await loadFixture(handoverScheduledFixture);
        await time.setNextBlockTimestamp(schedule);
        await expect(rx.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(rx, "AccessControlEnforcedDefaultAdminDelay")
          .withArgs(schedule);
      });
    });

    describe("when someone else accepts", function () {
      it("reverts with AccessControlInvalidDefaultAdmin", async function () {
        const { rx, other, schedule } = await loadFixture(handoverScheduledFixture);
        await time.increaseTo(schedule + 1n);
        await expect(rx.connect(other).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(rx, "AccessControlInvalidDefaultAdmin")
          .withArgs(other.address);
      });
    });

    describe("when the new admin accepts after the delay", function () {
      it("moves DEFAULT_ADMIN_ROLE from the old admin to the new one", async function () {
        const { rx, admin, newAdmin, schedule } = await loadFixture(handoverScheduledFixture);
        const role = await rx.DEFAULT_ADMIN_ROLE();
        await time.setNextBlockTimestamp(schedule + 1n);
        await expect(rx.connect(newAdmin).acceptDefaultAdminTransfer())
          .to.emit(rx, "RoleRevoked")
          .withArgs(role, admin.address, newAdmin.address)
          .and.to.emit(rx, "RoleGranted")
          .withArgs(role, newAdmin.address, newAdmin.address);
        expect(await rx.defaultAdmin()).to.equal(newAdmin.address);
      });

      it("lets the new admin onboard a partner", async function () {
        const { rx, newAdmin, other } = await loadFixture(handedOverFixture);
        const expiry = (await time.latest()) + YEAR;
        await expect(
          rx.connect(newAdmin).onboardPartner(other.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, expiry, DISTRIBUTOR.name),
        )
          .to.emit(rx, "PartnerOnboarded")
          .withArgs(other.address, Role.Distributor, DISTRIBUTOR.gln, LICENCE_REF, expiry, DISTRIBUTOR.name);
      });

      it("stops the old admin onboarding a regulator: reverts with AccessControlUnauthorizedAccount", async function () {
        const { rx, admin, other } = await loadFixture(handedOverFixture);
        const expiry = (await time.latest()) + YEAR;
        // The old admin was also the operator (the deploy's default), which onboards distributors, not regulators.
        await expect(
          rx.connect(admin).onboardPartner(other.address, Role.Regulator, DISTRIBUTOR.gln, LICENCE_REF, expiry, DISTRIBUTOR.name),
        )
          .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
          .withArgs(admin.address, await rx.DEFAULT_ADMIN_ROLE());
      });
    });

    describe("when the admin grants DEFAULT_ADMIN_ROLE directly", function () {
      it("reverts with AccessControlEnforcedDefaultAdminRules", async function () {
        const { rx, other } = await loadFixture(delayedAdminFixture);
        await expect(rx.grantRole(await rx.DEFAULT_ADMIN_ROLE(), other.address))
          .to.be.revertedWithCustomError(rx, "AccessControlEnforcedDefaultAdminRules")
          .withArgs();
      });
    });
  });

  describe("supportsInterface", function () {
    const accessControl = IAccessControl__factory.createInterface();
    const erc165 = IERC165__factory.createInterface();
    const defaultAdminRules = IAccessControlDefaultAdminRules__factory.createInterface();

    it("computes the ERC-165 id the standard fixes (0x01ffc9a7), checking the helper", function () {
      expect(interfaceIdOf(erc165)).to.equal("0x01ffc9a7");
    });

    it("supports IAccessControlDefaultAdminRules", async function () {
      const { rx } = await loadFixture(deployFixture);
      // Known value in OpenZeppelin 5: 0x31498786.
      expect(await rx.supportsInterface(interfaceIdOf(defaultAdminRules, [accessControl]))).to.equal(true);
    });

    it("supports IAccessControl", async function () {
      const { rx } = await loadFixture(deployFixture);
      // Known value in OpenZeppelin: 0x7965db0b.
      expect(await rx.supportsInterface(interfaceIdOf(accessControl))).to.equal(true);
    });

    it("supports IERC165", async function () {
      const { rx } = await loadFixture(deployFixture);
      expect(await rx.supportsInterface(interfaceIdOf(erc165))).to.equal(true);
    });

    it("does not support 0xffffffff (ERC-165 requires false)", async function () {
      const { rx } = await loadFixture(deployFixture);
      expect(await rx.supportsInterface("0xffffffff")).to.equal(false);
    });
  });
});

describe("RxTrace: multicall", function () {
  describe("when the admin onboards a manufacturer and assigns its prefix in one call", function () {
    async function multicallData(rx: Awaited<ReturnType<typeof deployFixture>>["rx"], account: string, prefix: string) {
      const licenceExpiry = (await time.latest()) + YEAR;
      const calls = [
        rx.interface.encodeFunctionData("onboardPartner", [
          account,
          MANUFACTURER.role,
          MANUFACTURER.gln,
          LICENCE_REF,
          licenceExpiry,
          MANUFACTURER.name,
        ]),
        rx.interface.encodeFunctionData("assignCompanyPrefix", [account, prefix]),
      ];
      return { calls, licenceExpiry };
    }

    it("emits PartnerOnboarded", async function () {
      const { rx, manufacturer } = await loadFixture(deployFixture);
      const { calls, licenceExpiry } = await multicallData(rx, manufacturer.address, PREFIX);
      await expect(rx.multicall(calls))
        .to.emit(rx, "PartnerOnboarded")
        .withArgs(manufacturer.address, Role.Manufacturer, MANUFACTURER.gln, LICENCE_REF, licenceExpiry, MANUFACTURER.name);
    });

    it("emits CompanyPrefixAssigned", async function () {
      const { rx, manufacturer } = await loadFixture(deployFixture);
      const { calls } = await multicallData(rx, manufacturer.address, PREFIX);
      await expect(rx.multicall(calls)).to.emit(rx, "CompanyPrefixAssigned").withArgs(manufacturer.address, PREFIX);
    });

    it("leaves the manufacturer authorized and owning the prefix", async function () {
      const { rx, manufacturer } = await loadFixture(deployFixture);
      const { calls } = await multicallData(rx, manufacturer.address, PREFIX);
      await rx.multicall(calls);
      expect(await rx.standing(manufacturer.address)).to.equal(Standing.Authorized);
      expect(await rx.companyPrefixOwner(PREFIX)).to.equal(manufacturer.address);
    });
  });

  describe("when one of the calls fails", function () {
    it("reverts with that call's error and rolls back the others", async function () {
      const { rx, manufacturer } = await loadFixture(deployFixture);
      const licenceExpiry = (await time.latest()) + YEAR;
      const calls = [
        rx.interface.encodeFunctionData("onboardPartner", [
          manufacturer.address,
          MANUFACTURER.role,
          MANUFACTURER.gln,
          LICENCE_REF,
          licenceExpiry,
          MANUFACTURER.name,
        ]),
        rx.interface.encodeFunctionData("assignCompanyPrefix", [manufacturer.address, "031"]),
      ];
      await expect(rx.multicall(calls)).to.be.revertedWithCustomError(rx, "PartnerInvalidCompanyPrefix").withArgs("031");
      expect(await rx.standing(manufacturer.address)).to.equal(Standing.Unknown);
    });
  });

  describe("when a non-admin sends admin calls", function () {
    it("reverts with AccessControlUnauthorizedAccount", async function () {
      const { rx, stranger, manufacturer } = await loadFixture(deployFixture);
      const calls = [rx.interface.encodeFunctionData("assignCompanyPrefix", [manufacturer.address, PREFIX])];
      await expect(rx.connect(stranger).multicall(calls))
        .to.be.revertedWithCustomError(rx, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, await rx.DEFAULT_ADMIN_ROLE());
    });
  });
});
