/**
 * Who may call the migration's functions (IMigration), and what the pause does to them: the access matrix of
 * test/AccessMatrix.test.ts for the functions the second extension serves for a migration. Naming the predecessor
 * and retiring are the admin's (DEFAULT_ADMIN_ROLE, the timelock on public networks); adopting is anyone's, since
 * the predecessor is frozen and the copy exact. All of them work while the suite is paused: a successor stays paused
 * until everything is adopted, and retiring is itself a pause for good.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { FunctionFragment, ZeroHash, type ContractTransactionResponse } from "ethers";
import { IMigration__factory, type IMigration } from "../typechain-types";
import { deployRxTrace } from "../src/chain/deploy";
import { migrationOf } from "../src/chain/migrate";
import { CASE_SSCC as CASE, retiredFixture, successorFixture } from "./migration-fixtures";

type Actor = "admin" | "pauser" | "manufacturer" | "distributor" | "pharmacy" | "regulator" | "stranger";
const ACTORS: readonly Actor[] = ["admin", "pauser", "manufacturer", "distributor", "pharmacy", "regulator", "stranger"];

type Ctx = Awaited<ReturnType<typeof retiredFixture>> & { fresh?: string };

interface Row {
  name: string;
  allowed: readonly Actor[] | "anyone";
  /** The suite the call goes to, and the call. */
  call: (ctx: Ctx, as: HardhatEthersSigner) => Promise<ContractTransactionResponse>;
  event: string;
  /** The suite that emits the event: the successor unless said. */
  emitter?: (ctx: Ctx) => string;
  /** Sets up what an allowed actor needs (from the retired predecessor, the successor paused). */
  setup?: (ctx: Ctx) => Promise<Ctx>;
}

const at = (_ctx: Ctx, address: string, as: HardhatEthersSigner): IMigration => migrationOf(address, as);
const successorOf = (ctx: Ctx) => ctx.successor.target as string;
const emitterOf = (row: Row, ctx: Ctx) => IMigration__factory.connect(row.emitter ? row.emitter(ctx) : successorOf(ctx), ethers.provider);

const TABLE: readonly Row[] = [
  {
    name: "takeOverFrom",
    allowed: ["admin"],
    setup: async (ctx) => ({ ...ctx, fresh: await (await deployRxTrace(ethers, ctx.admin)).getAddress() }),
    call: (ctx, as) => at(ctx, ctx.fresh as string, as).takeOverFrom(ctx.predecessor.target as string),
    event: "PredecessorSet",
    emitter: (ctx) => ctx.fresh as string,
  },
  {
    name: "retire",
    allowed: ["admin"],
    setup: async (ctx) => ({ ...ctx, fresh: await (await deployRxTrace(ethers, ctx.admin, { predecessor: successorOf(ctx) })).getAddress() }),
    call: (ctx, as) => at(ctx, successorOf(ctx), as).retire(ctx.fresh as string),
    event: "Retired",
  },
  { name: "adoptPartner", allowed: "anyone", call: (ctx, as) => at(ctx, successorOf(ctx), as).adoptPartner(ctx.manufacturer.address), event: "PartnerAdopted" },
  {
    name: "adoptCompanyPrefix",
    allowed: "anyone",
    setup: async (ctx) => {
      await at(ctx, successorOf(ctx), ctx.admin).adoptPartner(ctx.manufacturer.address);
      return ctx;
    },
    call: (ctx, as) => at(ctx, successorOf(ctx), as).adoptCompanyPrefix("0312345"),
    event: "CompanyPrefixAdopted",
  },
  { name: "adoptBatch", allowed: "anyone", call: (ctx, as) => at(ctx, successorOf(ctx), as).adoptBatch(ctx.batchId), event: "BatchAdopted" },
  {
    name: "adoptHolding",
    allowed: "anyone",
    setup: async (ctx) => {
      await at(ctx, successorOf(ctx), ctx.admin).adoptBatch(ctx.batchId);
      return ctx;
    },
    call: (ctx, as) => at(ctx, successorOf(ctx), as).adoptHolding(ctx.batchId, ctx.distributor.address),
    event: "HoldingAdopted",
  },
  {
    name: "adoptShipment",
    allowed: "anyone",
    setup: async (ctx) => {
      await at(ctx, successorOf(ctx), ctx.admin).adoptBatch(ctx.batchId);
      return ctx;
    },
    call: (ctx, as) => at(ctx, successorOf(ctx), as).adoptShipment(ctx.inTransit.shipment),
    event: "ShipmentAdopted",
  },
  { name: "adoptCase", allowed: "anyone", call: (ctx, as) => at(ctx, successorOf(ctx), as).adoptCase(CASE), event: "CaseAdopted" },
];

function signerOf(ctx: Ctx, who: Actor): HardhatEthersSigner {
  return ctx[who];
}

async function prepared(row: Row): Promise<Ctx> {
  const ctx: Ctx = await loadFixture(retiredFixture);
  return row.setup ? row.setup(ctx) : ctx;
}

describe("IMigration: access matrix", function () {
  for (const row of TABLE) {
    describe(row.name, function () {
      // Anyone may adopt: the stranger (never onboarded, no role) stands for everyone.
      for (const who of row.allowed === "anyone" ? (["stranger"] as const) : ACTORS) {
        const allowed = row.allowed === "anyone" || row.allowed.includes(who);
        describe(`when called by the ${who}${allowed ? "" : " (not the admin)"}`, function () {
          if (allowed) {
            it(`emits ${row.event}`, async function () {
              const ctx = await prepared(row);
              await expect(row.call(ctx, signerOf(ctx, who))).to.emit(emitterOf(row, ctx), row.event);
            });
          } else {
            it("reverts with AccessControlUnauthorizedAccount", async function () {
              const ctx = await prepared(row);
              await expect(row.call(ctx, signerOf(ctx, who)))
                .to.be.revertedWithCustomError(ctx.successor, "AccessControlUnauthorizedAccount")
                .withArgs(signerOf(ctx, who).address, ZeroHash);
            });
          }
        });
      }
      describe("when the suite is paused", function () {
        it("keeps working: a successor adopts while paused, and retiring is a pause for good", async function () {
          const ctx = await prepared(row);
          // The successor of retiredFixture is paused until its migration is done; a fresh suite is paused here.
          if (row.name === "takeOverFrom") await (await ethers.getContractAt("RxTrace", ctx.fresh as string)).connect(ctx.admin).pause();
          expect(await ctx.successor.paused()).to.equal(true);
          await expect(row.call(ctx, ctx.admin)).to.emit(emitterOf(row, ctx), row.event);
        });
      });
    });
  }

  describe("the table itself", function () {
    it("has a row for every state-changing function of IMigration, and no other", function () {
      const names = IMigration__factory.createInterface()
        .fragments.filter((f): f is FunctionFragment => FunctionFragment.isFragment(f) && f.stateMutability !== "view" && f.stateMutability !== "pure")
        .map((f) => f.name)
        .sort();
      expect(names).to.deep.equal(TABLE.map((r) => r.name).sort());
    });

    it("lets the stranger adopt only (the admin's two acts refuse it)", function () {
      expect(TABLE.filter((r) => r.allowed !== "anyone").map((r) => r.name)).to.deep.equal(["takeOverFrom", "retire"]);
    });
  });

  describe("a successor that is not paused", function () {
    it("adopts too (a straggler after the unpause)", async function () {
      const ctx = await loadFixture(successorFixture);
      await migrationOf(ctx.predecessor.target as string, ctx.admin).retire(ctx.successor.target as string);
      await ctx.successor.connect(ctx.admin).unpause();
      await expect(migrationOf(ctx.successor.target as string, ctx.stranger).adoptPartner(ctx.pharmacy.address)).to.emit(
        IMigration__factory.connect(ctx.successor.target as string, ethers.provider),
        "PartnerAdopted",
      );
    });
  });
});
