/// <reference types="chai-as-promised" />
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { id, keccak256 } from "ethers";
import { recordPath } from "../../src/chain/deployment";
import { Role, Standing } from "../../src/domain/enums";
import { formatGln, makeGln } from "../../src/gs1/identifiers";
import { CAST } from "../../src/scenario/scenario";
import { SIGNER, captureOutput, castTaskFixture, deployedFixture } from "./fixtures";
import { tempDir } from "../tmp";

const NEWCOMER_GLN = formatGln(makeGln("077777700001"));
const LICENCE_REF = id("Wholesale distribution licence WDA-2025-0042");

/** A YYYY-MM-DD date `days` after the chain's current time. */
async function dayFromNow(days: number): Promise<string> {
  return new Date(((await time.latest()) + days * 86400) * 1000).toISOString().slice(0, 10);
}

async function newcomer(index = 10): Promise<string> {
  return (await hre.ethers.getSigners())[index].address;
}

function glnOf(key: (typeof CAST)[number]["key"]): string {
  const member = CAST.find((m) => m.key === key);
  if (!member) throw new Error(`no cast member ${key}`);
  return formatGln(member.gln);
}

describe("admin commands", function () {
  describe("rx:onboard", function () {
    describe("when the admin onboards a manufacturer with two prefixes", function () {
      async function onboarded() {
        const { rx } = await loadFixture(deployedFixture);
        const account = await newcomer();
        const before = await hre.ethers.provider.getBlockNumber();
        const out = await captureOutput(() =>
          hre.run("rx:onboard", {
            account,
            role: "manufacturer",
            gln: NEWCOMER_GLN,
            name: "Newco Pharma",
            licenceExpiry: "2030-06-30",
            licenceRef: LICENCE_REF,
            prefix: "0777777,0888888",
          }),
        );
        return { rx, account, before, ...out };
      }

      it("prints the partner, the prefixes and the transaction", async function () {
        const { lines, account } = await loadFixture(onboarded);
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(
          new RegExp(`^onboarded ${account} as Manufacturer "Newco Pharma" GLN ${NEWCOMER_GLN}, licence ${LICENCE_REF} valid until 2030-06-30, company prefix 0777777, 0888888: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`),
        );
      });

      it("records the partner and assigns both prefixes in one transaction", async function () {
        const { rx, account, before } = await loadFixture(onboarded);
        const partner = await rx.partner(account);
        expect([partner.role, partner.gln, partner.licenceExpiry]).to.deep.equal([
          BigInt(Role.Manufacturer),
          BigInt(NEWCOMER_GLN),
          BigInt(Date.UTC(2030, 5, 30, 23, 59, 59) / 1000),
        ]);
        expect([await rx.companyPrefixOwner("0777777"), await rx.companyPrefixOwner("0888888")]).to.deep.equal([account, account]);
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(before + 1);
      });
    });

    describe("when the admin onboards a regulator with its licence file", function () {
      it("grants the regulator role with the file's keccak256 as licence reference", async function () {
        const { rx } = await loadFixture(deployedFixture);
        const account = await newcomer();
        const dir = tempDir("rx-admin-");
        const file = path.join(dir, "designation.txt");
        writeFileSync(file, "Designation of the State Board of Pharmacy as competent authority\n");
        await captureOutput(() =>
          hre.run("rx:onboard", { account, role: "regulator", gln: NEWCOMER_GLN, name: "State Board", licenceExpiry: "2031-01-31", licenceFile: file }),
        );
        const [event] = await rx.queryFilter(rx.filters.PartnerOnboarded(account));
        expect([event.args.role, event.args.licenceRef]).to.deep.equal([BigInt(Role.Regulator), keccak256(new Uint8Array(Buffer.from("Designation of the State Board of Pharmacy as competent authority\n")))]);
      });
    });

    describe("when the GLN's check digit is wrong", function () {
      it("names --gln and the expected check digit, and sends nothing", async function () {
        const { rx } = await loadFixture(deployedFixture);
        const account = await newcomer();
        const wrong = NEWCOMER_GLN.slice(0, 12) + String((Number(NEWCOMER_GLN[12]) + 1) % 10);
        await expect(
          hre.run("rx:onboard", { account, role: "distributor", gln: wrong, name: "Newco", licenceExpiry: "2030-01-01", licenceRef: LICENCE_REF }),
        ).to.be.rejectedWith(`--gln: got "${wrong}", expected a GLN whose check digit is ${NEWCOMER_GLN[12]}`);
        expect((await rx.partner(account)).role).to.equal(BigInt(Role.None));
      });
    });

    describe("when a prefix is given for a distributor (its SSCCs)", function () {
      it("onboards it with the prefix in the same transaction", async function () {
        const { rx } = await loadFixture(deployedFixture);
        const account = await newcomer();
        await hre.run("rx:onboard", { account, role: "distributor", gln: NEWCOMER_GLN, name: "Newco", licenceExpiry: "2030-01-01", licenceRef: LICENCE_REF, prefix: "0777777" });
        expect((await rx.partner(account)).role).to.equal(BigInt(Role.Distributor));
        expect(await rx.companyPrefixOwner("0777777")).to.equal(account);
      });
    });

    describe("when the role or the licence is missing or wrong", function () {
      it("names --role for an unknown role", async function () {
        await loadFixture(deployedFixture);
        await expect(
          hre.run("rx:onboard", { account: await newcomer(), role: "wholesaler", gln: NEWCOMER_GLN, name: "Newco", licenceExpiry: "2030-01-01", licenceRef: LICENCE_REF }),
        ).to.be.rejectedWith(/--role: got "wholesaler", expected one of manufacturer, distributor, dispenser, regulator/);
      });

      it("names --licence-expiry for a date in the past", async function () {
        await loadFixture(deployedFixture);
        await expect(
          hre.run("rx:onboard", { account: await newcomer(), role: "dispenser", gln: NEWCOMER_GLN, name: "Newco", licenceExpiry: "2020-01-01", licenceRef: LICENCE_REF }),
        ).to.be.rejectedWith(/--licence-expiry: got "2020-01-01", expected a date after the chain's current time/);
      });

      it("names --licence-ref when neither a reference nor a file is given", async function () {
        await loadFixture(deployedFixture);
        await expect(
          hre.run("rx:onboard", { account: await newcomer(), role: "dispenser", gln: NEWCOMER_GLN, name: "Newco", licenceExpiry: "2030-01-01" }),
        ).to.be.rejectedWith(/--licence-ref: got "", expected the licence's hash \(--licence-ref 0x…\) or its document \(--licence-file <path>\)/);
      });
    });

    describe("when a stranger runs it", function () {
      it("shows the contract's AccessControlUnauthorizedAccount (a dispenser needs the operator role)", async function () {
        const OPERATOR_ROLE = id("OPERATOR_ROLE");
        const { rx } = await loadFixture(castTaskFixture);
        const account = await newcomer();
        const stranger = await newcomer(Number(SIGNER.stranger));
        await expect(
          hre.run("rx:onboard", { account, role: "dispenser", gln: NEWCOMER_GLN, name: "Newco", licenceExpiry: "2030-01-01", licenceRef: LICENCE_REF, signer: SIGNER.stranger }),
        ).to.be.rejectedWith(new RegExp(`the contract refused: AccessControlUnauthorizedAccount\\(account=${stranger}, neededRole=${OPERATOR_ROLE}\\)`));
        expect((await rx.partner(account)).role).to.equal(BigInt(Role.None));
      });
    });

    describe("when the network has no deployment record", function () {
      it("names the missing file and the deploy command", async function () {
        await loadFixture(deployedFixture);
        const record = recordPath("hardhat");
        const aside = `${record}.aside-admin-test`;
        renameSync(record, aside);
        try {
          await expect(
            hre.run("rx:onboard", { account: await newcomer(), role: "dispenser", gln: NEWCOMER_GLN, name: "Newco", licenceExpiry: "2030-01-01", licenceRef: LICENCE_REF }),
          ).to.be.rejectedWith(`no deployment record for network "hardhat" (${path.relative(process.cwd(), record)}): deploy first with \`npm run deploy -- --network hardhat\``);
        } finally {
          renameSync(aside, record);
        }
        expect(existsSync(record)).to.equal(true);
      });
    });
  });

  describe("rx:prefix", function () {
    describe("when the admin assigns a prefix to a manufacturer given by GLN", function () {
      it("prints the assignment and the prefix belongs to it", async function () {
        const { rx, signers } = await loadFixture(castTaskFixture);
        const manufacturer = signers[Number(SIGNER.manufacturer)].address;
        const { lines } = await captureOutput(() => hre.run("rx:prefix", { account: glnOf("manufacturer"), prefix: "0555555" }));
        expect(lines[0]).to.match(new RegExp(`^assigned company prefix 0555555 to ${manufacturer}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
        expect(await rx.companyPrefixOwner("0555555")).to.equal(manufacturer);
      });
    });

    describe("when the prefix is not 4 to 12 digits", function () {
      it("names --prefix", async function () {
        await loadFixture(castTaskFixture);
        await expect(hre.run("rx:prefix", { account: glnOf("manufacturer"), prefix: "12a" })).to.be.rejectedWith(
          /--prefix: got "12a", expected a GS1 company prefix of 4 to 12 digits/,
        );
      });
    });
  });

  describe("rx:renew", function () {
    describe("when the admin renews a distributor's licence", function () {
      it("prints the new licence and the record carries it", async function () {
        const { rx, signers } = await loadFixture(castTaskFixture);
        const distributor = signers[Number(SIGNER.distributor)].address;
        const expiry = await dayFromNow(800);
        const { lines } = await captureOutput(() => hre.run("rx:renew", { account: distributor, licenceExpiry: expiry, licenceRef: LICENCE_REF }));
        expect(lines[0]).to.match(new RegExp(`^renewed the licence of ${distributor}: ${LICENCE_REF} valid until ${expiry}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
        expect((await rx.partner(distributor)).licenceExpiry).to.equal(BigInt(Date.parse(`${expiry}T23:59:59Z`) / 1000));
      });
    });

    describe("when both a reference and a file are given", function () {
      it("names --licence-ref and sends nothing", async function () {
        const { rx, signers } = await loadFixture(castTaskFixture);
        const distributor = signers[Number(SIGNER.distributor)].address;
        const before = (await rx.partner(distributor)).licenceExpiry;
        await expect(
          hre.run("rx:renew", { account: distributor, licenceExpiry: "2030-01-01", licenceRef: LICENCE_REF, licenceFile: "licence.pdf" }),
        ).to.be.rejectedWith(/--licence-ref: got "0x[0-9a-f]{64}", expected either --licence-ref or --licence-file, not both/);
        expect((await rx.partner(distributor)).licenceExpiry).to.equal(before);
      });
    });
  });

  describe("rx:suspend", function () {
    describe("when the admin suspends a distributor with a reason", function () {
      async function suspended() {
        const base = await loadFixture(castTaskFixture);
        const distributor = base.signers[Number(SIGNER.distributor)].address;
        const out = await captureOutput(() => hre.run("rx:suspend", { account: glnOf("distributor"), reason: "licence under review" }));
        return { ...base, distributor, ...out };
      }

      it("prints the reason's hash and the transaction", async function () {
        const { lines, distributor } = await loadFixture(suspended);
        expect(lines[0]).to.match(
          new RegExp(`^suspended ${distributor}, reason ${id("licence under review")} \\(keccak256 of "licence under review"\\): tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`),
        );
      });

      it("leaves the distributor suspended with the hashed reason on record", async function () {
        const { rx, distributor } = await loadFixture(suspended);
        const [event] = await rx.queryFilter(rx.filters.PartnerSuspended(distributor));
        expect([await rx.standing(distributor), event.args.reason]).to.deep.equal([BigInt(Standing.Suspended), id("licence under review")]);
      });
    });

    describe("when the partner is suspended already", function () {
      it("shows the contract's PartnerAlreadySuspended", async function () {
        const { signers } = await loadFixture(castTaskFixture);
        const distributor = signers[Number(SIGNER.distributor)].address;
        await captureOutput(() => hre.run("rx:suspend", { account: distributor }));
        await expect(hre.run("rx:suspend", { account: distributor })).to.be.rejectedWith(`PartnerAlreadySuspended(account=${distributor})`);
      });
    });
  });

  describe("rx:reinstate", function () {
    describe("when the admin reinstates a suspended distributor", function () {
      it("prints the transaction and the distributor is authorized again", async function () {
        const { rx, signers } = await loadFixture(castTaskFixture);
        const distributor = signers[Number(SIGNER.distributor)].address;
        await captureOutput(() => hre.run("rx:suspend", { account: distributor }));
        const { lines } = await captureOutput(() => hre.run("rx:reinstate", { account: distributor }));
        expect(lines[0]).to.match(new RegExp(`^reinstated ${distributor}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
        expect(await rx.standing(distributor)).to.equal(BigInt(Standing.Authorized));
      });
    });

    describe("when the partner is not suspended", function () {
      it("shows the contract's PartnerNotSuspended", async function () {
        const { signers } = await loadFixture(castTaskFixture);
        const distributor = signers[Number(SIGNER.distributor)].address;
        await expect(hre.run("rx:reinstate", { account: distributor })).to.be.rejectedWith(`PartnerNotSuspended(account=${distributor})`);
      });
    });

    describe("when the account is neither an address nor a GLN", function () {
      it("names --account", async function () {
        await loadFixture(castTaskFixture);
        await expect(hre.run("rx:reinstate", { account: "acme" })).to.be.rejectedWith(/--account: got "acme", expected a partner's address \(0x…\) or 13-digit GLN/);
      });
    });
  });

  describe("rx:grant-pauser and rx:revoke-pauser", function () {
    describe("when the admin grants the pauser role", function () {
      it("prints the grant and the account holds PAUSER_ROLE", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const account = await newcomer();
        const { lines } = await captureOutput(() => hre.run("rx:grant-pauser", { account }));
        expect(lines[0]).to.match(new RegExp(`^granted PAUSER_ROLE to ${account}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
        expect(await rx.hasRole(await rx.PAUSER_ROLE(), account)).to.equal(true);
      });
    });

    describe("when the account already is a pauser", function () {
      it("says so and sends nothing", async function () {
        await loadFixture(castTaskFixture);
        const pauser = await newcomer(Number(SIGNER.pauser));
        const before = await hre.ethers.provider.getBlockNumber();
        const { lines } = await captureOutput(() => hre.run("rx:grant-pauser", { account: pauser }));
        expect([lines, await hre.ethers.provider.getBlockNumber()]).to.deep.equal([[`${pauser} already holds PAUSER_ROLE: nothing sent`], before]);
      });
    });

    describe("when the admin revokes the pauser role", function () {
      it("prints the revocation and the account no longer holds PAUSER_ROLE", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const pauser = await newcomer(Number(SIGNER.pauser));
        const { lines } = await captureOutput(() => hre.run("rx:revoke-pauser", { account: pauser }));
        expect(lines[0]).to.match(new RegExp(`^revoked PAUSER_ROLE from ${pauser}: tx 0x[0-9a-f]{64} block \\d+ gas \\d+$`));
        expect(await rx.hasRole(await rx.PAUSER_ROLE(), pauser)).to.equal(false);
      });
    });

    describe("when a partner tries to grant it", function () {
      it("shows the contract's AccessControlUnauthorizedAccount", async function () {
        await loadFixture(castTaskFixture);
        await expect(hre.run("rx:grant-pauser", { account: await newcomer(), signer: SIGNER.manufacturer })).to.be.rejectedWith(
          /the contract refused: AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=0x0{64}\)/,
        );
      });
    });
  });

  describe("rx:pause and rx:unpause", function () {
    describe("when the pauser pauses and unpauses", function () {
      it("prints each transaction and the suite's state follows", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const paused = await captureOutput(() => hre.run("rx:pause", { signer: SIGNER.pauser }));
        expect(paused.lines[0]).to.match(/^paused: tx 0x[0-9a-f]{64} block \d+ gas \d+$/);
        expect(await rx.paused()).to.equal(true);
        const unpaused = await captureOutput(() => hre.run("rx:unpause", { signer: SIGNER.pauser }));
        expect(unpaused.lines).to.include("the suite is running again");
        expect(await rx.paused()).to.equal(false);
      });
    });

    describe("when the suite is not paused", function () {
      it("rx:unpause says so and sends nothing", async function () {
        await loadFixture(castTaskFixture);
        const before = await hre.ethers.provider.getBlockNumber();
        const { lines } = await captureOutput(() => hre.run("rx:unpause", { signer: SIGNER.pauser }));
        expect([lines, await hre.ethers.provider.getBlockNumber()]).to.deep.equal([["the suite is not paused: nothing sent"], before]);
      });
    });

    describe("when a partner without PAUSER_ROLE tries to pause", function () {
      it("shows the contract's AccessControlUnauthorizedAccount and sends nothing", async function () {
        const { rx } = await loadFixture(castTaskFixture);
        const before = await hre.ethers.provider.getBlockNumber();
        await expect(hre.run("rx:pause", { signer: SIGNER.manufacturer })).to.be.rejectedWith(
          /the contract refused: AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=0x[0-9a-f]{64}\)/,
        );
        expect([await rx.paused(), await hre.ethers.provider.getBlockNumber()]).to.deep.equal([false, before]);
      });
    });
  });

  describe("rx:partner", function () {
    describe("when asked about a manufacturer by GLN", function () {
      it("prints its name, role, GLN, standing, licence and prefixes", async function () {
        const { signers } = await loadFixture(castTaskFixture);
        const manufacturer = signers[Number(SIGNER.manufacturer)].address;
        const { lines } = await captureOutput(() => hre.run("rx:partner", { account: glnOf("manufacturer") }));
        expect(lines.slice(0, 5).concat(lines.slice(6))).to.deep.equal([
          `partner ${manufacturer}`,
          "  name      Acme Pharma Manufacturing",
          "  role      Manufacturer",
          `  GLN       ${glnOf("manufacturer")}`,
          "  standing  Authorized",
          "  prefixes  0312345",
          "  access    none",
        ]);
      });

      it("sends nothing", async function () {
        await loadFixture(castTaskFixture);
        const before = await hre.ethers.provider.getBlockNumber();
        await captureOutput(() => hre.run("rx:partner", { account: glnOf("manufacturer") }));
        expect(await hre.ethers.provider.getBlockNumber()).to.equal(before);
      });
    });

    describe("when asked about an account that is not a partner", function () {
      it("says so with its access roles", async function () {
        await loadFixture(castTaskFixture);
        const admin = await newcomer(Number(SIGNER.admin));
        const { lines } = await captureOutput(() => hre.run("rx:partner", { account: admin }));
        expect(lines).to.deep.equal([`${admin} is not a partner (standing Unknown); access roles: admin`]);
      });
    });
  });
});
