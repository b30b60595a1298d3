/**
 * Who may administer a deployment: the rules `npm run deploy` enforces before it sends anything.
 *
 * On a public network (anything but `hardhat` and `localhost`) the suite's admin (DEFAULT_ADMIN_ROLE) must be a
 * contract, normally the TimelockController the deploy creates, and that timelock's delay must not be zero, so that
 * onboarding a manufacturer or a regulator, moving a company prefix or granting a role is seen coming by every
 * partner. `--i-know` (RXTRACE_I_KNOW=true for `npm run deploy`, which takes no flags) lets an operator overrule
 * both, with a warning. On development networks the deployer stays the admin, directly, unless a timelock delay is
 * asked for.
 */

/** Seconds a timelock created on a public network waits when RXTRACE_TIMELOCK_DELAY is not set: two days. */
export const DEFAULT_PUBLIC_TIMELOCK_DELAY = 2n * 24n * 60n * 60n;

/**
 * Whether `network` is a development chain: the in-process `hardhat` network, or `localhost` at a loopback address.
 * `localhost` pointed elsewhere (LOCALHOST_RPC_URL set to a remote node) may be any chain, so the public rules apply.
 */
export function isDevelopmentNetwork(network: string, url?: string): boolean {
  if (network === "hardhat") return true;
  if (network !== "localhost") return false;
  if (url === undefined) return true;
  try {
    return ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * What code at an admin address says about it: none (an externally owned account), an EIP-7702 delegation (an
 * externally owned account whose key still acts alone: `0xef0100` followed by the delegate's address), or a contract.
 */
export function adminCodeKind(code: string): "none" | "delegated" | "contract" {
  if (code === "0x" || code === "") return "none";
  return /^0xef0100[0-9a-f]{40}$/i.test(code) ? "delegated" : "contract";
}

/** What the deploy found out about the admin before deploying. */
export interface AdminFacts {
  network: string;
  /** The network's RPC URL, when it has one: `localhost` at a remote URL is treated as a public network. */
  url?: string;
  /** The admin asked for (RXTRACE_ADMIN / --admin), or undefined when the deploy chooses. */
  admin?: string;
  /** Whether code lives at `admin` (a contract: a timelock or a multisig; an EIP-7702 delegation is no contract). */
  adminIsContract?: boolean;
  /** The admin timelock's delay in seconds: the one to create, or an existing timelock's `getMinDelay()`. */
  timelockDelay?: bigint;
}

/** What the deploy will do about the admin. */
export type AdminPlan =
  | { kind: "deployer" }
  | { kind: "given"; admin: string }
  | { kind: "timelock"; delay: bigint };

/**
 * The plan for the admin and, on a public network, every reason to refuse it (empty when there is none): each
 * reason names the setting, its value and what was expected.
 */
export function planAdmin(facts: AdminFacts): { plan: AdminPlan; problems: string[] } {
  const problems: string[] = [];
  const dev = isDevelopmentNetwork(facts.network, facts.url);
  const where = facts.network === "localhost" && facts.url !== undefined && !dev ? `"localhost" (${facts.url})` : `"${facts.network}"`;
  if (facts.admin !== undefined) {
    if (!dev && facts.adminIsContract === false) {
      problems.push(
        `RXTRACE_ADMIN (--admin) is ${facts.admin}, an externally owned account: on ${where} the admin must be a ` +
          "TimelockController (leave RXTRACE_ADMIN unset and the deploy creates one) or a multisig",
      );
    }
    if (!dev && facts.timelockDelay === 0n) {
      problems.push(`the admin timelock ${facts.admin} has a delay of 0 seconds: on ${where} expected more than 0`);
    }
    return { plan: { kind: "given", admin: facts.admin }, problems };
  }
  if (facts.timelockDelay === undefined && dev) return { plan: { kind: "deployer" }, problems };
  const delay = facts.timelockDelay ?? DEFAULT_PUBLIC_TIMELOCK_DELAY;
  if (!dev && delay === 0n) {
    problems.push(`RXTRACE_TIMELOCK_DELAY (--timelock-delay) is 0: on ${where} expected a delay of more than 0 seconds`);
  }
  return { plan: { kind: "timelock", delay }, problems };
}
