/**
 * Identifier derivation, mirroring contracts/libraries/Ids.sol one-to-one.
 */
import { AbiCoder, decodeBytes32String, encodeBytes32String, keccak256, concat } from "ethers";
import { parseSerial } from "../gs1/identifiers";

const abi = AbiCoder.defaultAbiCoder();

/** A shipment exactly as the contract hashes it (see `Shipment` in RxTypes.sol). */
export interface ShipmentKey {
  batchId: string;
  sender: string;
  receiver: string;
  quantity: bigint;
  nonce: bigint;
}

/** The batch id anyone can derive from a pack's GTIN and lot: `keccak256(abi.encode(uint64 gtin, string lot))`. */
export function batchIdOf(gtin: bigint, lot: string): string {
  return keccak256(abi.encode(["uint64", "string"], [gtin, lot]));
}

/** The id of a shipment: `keccak256(abi.encode(shipment))`. */
export function shipmentIdOf(s: ShipmentKey): string {
  return keccak256(
    abi.encode(
      ["tuple(bytes32,address,address,uint48,uint32)"],
      [[s.batchId, s.sender, s.receiver, s.quantity, s.nonce]],
    ),
  );
}

/** A serial as the contract takes it: its ASCII left-aligned in 32 bytes. */
export function serialToBytes32(serial: string): string {
  return encodeBytes32String(parseSerial(serial));
}

/** The serial text of a 32-byte serial. */
export function serialFromBytes32(serial: string): string {
  return decodeBytes32String(serial);
}

/** The Merkle leaf of a 32-byte serial (StandardMerkleTree, `["bytes32"]`). */
export function serialLeafOf(serial32: string): string {
  return keccak256(keccak256(abi.encode(["bytes32"], [serial32])));
}

/** The key under which the contract remembers a dispensed pack. */
export function packKeyOf(batchId: string, serial32: string): string {
  return keccak256(concat([batchId, serial32]));
}
