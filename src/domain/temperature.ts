/**
 * A carrier's temperature logger file -> the leg summary the contract takes.
 *
 * The file is CSV, one reading per line: `timestamp,celsius` (ISO 8601 or unix seconds; an optional header
 * line). The summary: minimum and maximum, mean kinetic temperature (USP <1079>, activation energy
 * 83.144 kJ/mol, so dH/R = 10,000 K), minutes out of the batch's storage range (each reading holds until the
 * next one), and keccak256 of the file's bytes. Temperatures are tenths of a degree Celsius.
 */
import { keccak256 } from "ethers";
import { InputError } from "./errors";

export interface Reading {
  /** unix seconds */
  time: number;
  celsius: number;
}

export interface LegSummary {
  minTemp: number;
  maxTemp: number;
  meanKineticTemp: number;
  minutesOutOfRange: number;
  loggerHash: string;
  readings: number;
}

/** dH/R for mean kinetic temperature, in kelvin (83.144 kJ/mol / 8.3144 J/(mol K)). */
const DELTA_H_OVER_R = 10_000;
const KELVIN = 273.15;

export function parseLoggerCsv(text: string, file = "logger file"): Reading[] {
  const readings: Reading[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (index === 0 && cells.length >= 2 && isNaN(Number(cells[1]))) return; // a header
    const where = `${file} line ${index + 1}`;
    if (cells.length !== 2) throw new InputError(where, line, "two columns: timestamp,celsius");
    const time = /^\d+$/.test(cells[0]) ? Number(cells[0]) : Date.parse(cells[0]) / 1000;
    if (!Number.isFinite(time)) throw new InputError(where, cells[0], "a timestamp (ISO 8601 or unix seconds)");
    const celsius = Number(cells[1]);
    if (cells[1] === "" || !Number.isFinite(celsius) || celsius < -100 || celsius > 100) {
      throw new InputError(where, cells[1], "a temperature in degrees Celsius between -100 and 100");
    }
    const previous = readings[readings.length - 1];
    if (previous && time <= previous.time) {
      throw new InputError(where, cells[0], `a time after the previous reading (${new Date(previous.time * 1000).toISOString()})`);
    }
    readings.push({ time, celsius });
  });
  if (readings.length === 0) throw new InputError(file, text.slice(0, 40), "at least one reading");
  return readings;
}

/** Mean kinetic temperature of the readings, in degrees Celsius, time-weighted. */
export function meanKineticTemperature(readings: readonly Reading[]): number {
  if (readings.length === 1) return readings[0].celsius;
  let weighted = 0;
  let total = 0;
  for (let i = 0; i + 1 < readings.length; i++) {
    const dt = readings[i + 1].time - readings[i].time;
    weighted += dt * Math.exp(-DELTA_H_OVER_R / (readings[i].celsius + KELVIN));
    total += dt;
  }
  return DELTA_H_OVER_R / -Math.log(weighted / total) - KELVIN;
}

/**
 * The leg summary for a batch stored between `minTemp` and `maxTemp` (tenths of a degree).
 * `bytes` are the file's exact bytes, which the hash commits to.
 */
export function summarizeLeg(bytes: Uint8Array, range: { minTemp: number; maxTemp: number }, file = "logger file"): LegSummary {
  const readings = parseLoggerCsv(Buffer.from(bytes).toString("utf8"), file);
  const tenths = (c: number) => Math.round(c * 10);
  let outSeconds = 0;
  for (let i = 0; i + 1 < readings.length; i++) {
    const t = tenths(readings[i].celsius);
    if (t < range.minTemp || t > range.maxTemp) outSeconds += readings[i + 1].time - readings[i].time;
  }
  const last = tenths(readings[readings.length - 1].celsius);
  const lastOut = last < range.minTemp || last > range.maxTemp;
  const minTemp = Math.min(...readings.map((r) => tenths(r.celsius)));
  const maxTemp = Math.max(...readings.map((r) => tenths(r.celsius)));
  // A final reading out of range counts as at least one minute, so it is never summarised as "in range".
  const minutesOutOfRange = Math.ceil(outSeconds / 60) + (lastOut && outSeconds === 0 ? 1 : 0);
  const mkt = Math.min(maxTemp, Math.max(minTemp, tenths(meanKineticTemperature(readings))));
  return { minTemp, maxTemp, meanKineticTemp: mkt, minutesOutOfRange, loggerHash: keccak256(bytes), readings: readings.length };
}

/** A leg summary as the contract takes it (no reading count). */
export interface LegFieldsNumeric {
  minTemp: number;
  maxTemp: number;
  meanKineticTemp: number;
  minutesOutOfRange: number;
  loggerHash: string;
}

/** The summary a rejection carries when the receiver has no logger data: all zero (the contract's "no data"). */
export const NO_LEG_DATA: LegFieldsNumeric = { minTemp: 0, maxTemp: 0, meanKineticTemp: 0, minutesOutOfRange: 0, loggerHash: "0x" + "0".repeat(64) };

/** The contract's excursion rule (contracts/libraries/Temperature.sol): the leg left [minTemp, maxTemp] at any point. */
export function isExcursion(leg: { minTemp: number; maxTemp: number; minutesOutOfRange: number }, range: { minTemp: number; maxTemp: number }): boolean {
  return leg.minTemp < range.minTemp || leg.maxTemp > range.maxTemp || leg.minutesOutOfRange > 0;
}
