/**
 * The Commission struct (IBatchRegistry) as an event argument: its fields in declaration order. Pure, so that the
 * property model (which runs without Hardhat) and the fixtures share it.
 */
export interface CommissionFields<N, S> {
  gtin: N;
  lot: string;
  expiry: N;
  quantity: N;
  minTemp: N;
  maxTemp: N;
  serialRoot: S;
  certificateHash: S;
  certificateURI: string;
}

export function commissionArgs<N, S>(c: CommissionFields<N, S>): (N | S | string)[] {
  return [c.gtin, c.lot, c.expiry, c.quantity, c.minTemp, c.maxTemp, c.serialRoot, c.certificateHash, c.certificateURI];
}
