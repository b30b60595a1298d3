/**
 * A carrier's temperature logger file -> the leg summary the contract takes.
 *
 * The file is CSV, one reading per line: `timestamp,celsius` (ISO 8601 with a time zone, or unix seconds). An
 * optional header line says the unit: `timestamp,celsius` or `timestamp,fahrenheit` (converted to °C); with no
 * header the readings are °C. rx:receive also requires every reading within the shipment's window.
 * The summary: minimum and maximum, mean kinetic temperature (USP <1079>, activation energy
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

/** The time span a logger file must fall in: from the shipment's block to now (unix seconds). */
export interface LoggerWindow {
  from: number;
  to: number;
}

/** Clocks of loggers and nodes differ a little: readings may lie this far outside the window (seconds). */
export const LOGGER_CLOCK_SLACK_S = 15 * 60;

/** Names a header cell may have for the time column and for each unit of the temperature column. */
const TIME_COLUMNS = ["timestamp", "time", "datetime", "date_time", "date time"];
const UNIT_COLUMNS: Record<string, "celsius" | "fahrenheit"> = {
  celsius: "celsius", "°c": "celsius", c: "celsius", degc: "celsius", temp_c: "celsius", temperature_c: "celsius",
  fahrenheit: "fahrenheit", "°f": "fahrenheit", f: "fahrenheit", degf: "fahrenheit", temp_f: "fahrenheit", temperature_f: "fahrenheit",
};

/** ISO 8601 with a time of day and a zone (Z or ±hh:mm); a time without a zone means nothing certain. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace(".000Z", "Z");

/**
 * Parses a logger file. A first line that is not a reading is the header: `timestamp,celsius` or
 * `timestamp,fahrenheit` (°F readings are converted to °C); without a header the readings are °C. Times are
 * unix seconds or ISO 8601 with a zone. With `window`, every reading must lie in it (± LOGGER_CLOCK_SLACK_S).
 */
export function parseLoggerCsv(text: string, file = "logger file", window?: LoggerWindow): Reading[] {
  const readings: Reading[] = [];
  const lines = text.split(/\r?\n/);
  let unit: "celsius" | "fahrenheit" = "celsius";
  let first = true;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    const where = `${file} line ${index + 1}`;
    if (first && cells.length >= 2 && isNaN(Number(cells[1]))) {
      first = false;
      const [time, temperature] = cells.map((c) => c.toLowerCase());
      if (cells.length !== 2 || !TIME_COLUMNS.includes(time)) {
        throw new InputError(`${where} (header)`, line, "two columns: timestamp,celsius or timestamp,fahrenheit");
      }
      const named = UNIT_COLUMNS[temperature];
      if (!named) throw new InputError(`${where} (header), unit column`, cells[1], "celsius or fahrenheit (e.g. timestamp,celsius)");
      unit = named;
      return;
    }
    first = false;
    if (cells.length !== 2) throw new InputError(where, line, `two columns: timestamp,${unit}`);
    let time: number;
    if (/^\d+$/.test(cells[0])) time = Number(cells[0]);
    else if (ISO_WITH_ZONE.test(cells[0])) time = Date.parse(cells[0].replace(" ", "T")) / 1000;
    else if (!Number.isNaN(Date.parse(cells[0]))) {
      throw new InputError(where, cells[0], "a timestamp with its time zone (e.g. 2025-03-03T06:00:00Z or …+01:00) or unix seconds");
    } else time = NaN;
    if (!Number.isFinite(time)) throw new InputError(where, cells[0], "a timestamp (ISO 8601 with a time zone, or unix seconds)");
    if (window && (time < window.from - LOGGER_CLOCK_SLACK_S || time > window.to + LOGGER_CLOCK_SLACK_S)) {
      throw new InputError(where, cells[0], `a time within the shipment's window, from ${iso(window.from)} (shipped) to ${iso(window.to)} (now)`);
    }
    const value = Number(cells[1]);
    const celsius = unit === "fahrenheit" ? Math.round(((value - 32) * 5) / 9 * 100) / 100 : value;
    if (cells[1] === "" || !Number.isFinite(value) || celsius < -100 || celsius > 100) {
      throw new InputError(
        where,
        cells[1],
        unit === "fahrenheit" ? "a temperature in degrees Fahrenheit between -148 and 212" : "a temperature in degrees Celsius between -100 and 100",
      );
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

/**
 * The readings of a logger file moved to start at `from` (intervals kept), squeezed if they do not fit
 * before `to`: a sample log for a shipment, for demos and tests (a real log comes from the carrier).
 */
export function loggerForWindow(text: string, from: number, to: number): string {
  const readings = parseLoggerCsv(text);
  const t0 = readings[0].time;
  const span = readings[readings.length - 1].time - t0;
  const scale = span > 0 && to - from < span ? Math.max(0, to - from) / span : 1;
  let previous = -Infinity;
  const lines = readings.map((r) => {
    const time = Math.max(previous + 1, from + Math.round((r.time - t0) * scale));
    previous = time;
    return `${iso(time)},${r.celsius.toFixed(1)}`;
  });
  return ["timestamp,celsius", ...lines].join("\n") + "\n";
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
export function summarizeLeg(bytes: Uint8Array, range: { minTemp: number; maxTemp: number }, file = "logger file", window?: LoggerWindow): LegSummary {
  const readings = parseLoggerCsv(Buffer.from(bytes).toString("utf8"), file, window);
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

/** A leg summary as the contract's events carry it (`Received`, `HandedOver`, `Rejected`: uint values). */
export interface LegEventArgs {
  minTemp: bigint;
  maxTemp: bigint;
  meanKineticTemp: bigint;
  minutesOutOfRange: bigint;
  loggerHash: string;
}

/** The summary a rejection carries when the receiver has no logger data: all zero (the contract's "no data"). */
export const NO_LEG_DATA: LegFieldsNumeric = { minTemp: 0, maxTemp: 0, meanKineticTemp: 0, minutesOutOfRange: 0, loggerHash: "0x" + "0".repeat(64) };

/** The contract's excursion rule (contracts/libraries/Temperature.sol): the leg left [minTemp, maxTemp] at any point. */
export function isExcursion(leg: { minTemp: number; maxTemp: number; minutesOutOfRange: number }, range: { minTemp: number; maxTemp: number }): boolean {
  return leg.minTemp < range.minTemp || leg.maxTemp > range.maxTemp || leg.minutesOutOfRange > 0;
}
