// Migration (issue 12, docs/governance.md#migration): retire the deployment a successor takes over from, and adopt
// its records into the successor. Thin entry points over src/chain/migrate.ts; `rx:deploy --take-over` deploys the
// successor. Every rx: command follows a retired suite to its successor (src/chain/deployment.ts `connect`).
import { task } from "hardhat/config";
import { Interface } from "ethers";
import { resolveSigner, runCommand } from "../src/commands/shared/cli";
import { connect, DeploymentError } from "../src/chain/deployment";
import { migrate, migrationOf, suiteMigrationAbi, type MigrationPlan } from "../src/chain/migrate";


task("rx:retire", "Retires the deployment the record's suite took over from (its admin): every act there stops for good")
  .addOptionalParam("signer", "the old suite's admin: account index or address (default 0)")
  .setAction(async (args: { signer?: string }, hre) =>
    runCommand(new Interface(suiteMigrationAbi()), async () => {
      const { rx, record } = await connect(hre);
      if (!record.predecessor) {
        throw new DeploymentError(`deployments/${hre.network.name}.json names no predecessor: deploy the successor with \`rx:deploy --take-over\` first`);
      }
      const from = await resolveSigner(hre, args.signer);
      const successor = await rx.getAddress();
      const receipt = await (await migrationOf(record.predecessor.address, from).retire(successor)).wait();
      console.log(`retired ${record.predecessor.address} in favour of ${successor}: tx ${receipt?.hash} block ${receipt?.blockNumber}`);
      console.log("next: rx:migrate (anyone), then rx:unpause (the successor's pauser)");
      return { predecessor: record.predecessor.address, successor, transactionHash: receipt?.hash };
    }),
  );

task("rx:migrate", "Adopts into the record's suite every record of its retired predecessor not adopted yet (anyone; safe to re-run)")
  .addOptionalParam("signer", "account index or address that pays (default 0)")
  .addFlag("quiet", "print the totals only, not one line per adopted record")
  .setAction(async (args: { signer?: string; quiet: boolean }, hre) =>
    runCommand(new Interface(suiteMigrationAbi()), async () => {
      const { rx, record } = await connect(hre);
      const from = await resolveSigner(hre, args.signer);
      const fromBlock = record.predecessor?.blockNumber ?? 0;
      const report = await migrate(await rx.getAddress(), from, { scan: { fromBlock }, log: args.quiet ? undefined : console.log });
      const kinds = Object.keys(report.adopted) as Array<keyof MigrationPlan>;
      const line = (counts: Record<keyof MigrationPlan, number>) => kinds.map((k) => `${counts[k]} ${k}`).join(", ");
      console.log(`adopted: ${line(report.adopted)}`);
      console.log(`adopted before: ${line(report.already)}`);
      console.log(`nothing to adopt (settled, revoked or empty on the predecessor): ${line(report.absent)}`);
      if (await rx.paused()) console.log("everything the predecessor holds is adopted: the successor's pauser may now unpause it (rx:unpause)");
      return report;
    }),
  );
