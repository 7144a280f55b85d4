// uWSGI's spooler packet (modifier1 17, plugins/spooler): a vars block that uWSGI writes, as it
// is, into a spool file; a spooler process later runs the job with those vars as a dict. Three
// keys mean something to uWSGI itself (core/spooler.c): `spooler` (which spooler: its directory
// as given to --spooler), `priority` (a subdirectory of the spool directory) and `at` (unix
// seconds before which the job does not run; a fraction is dropped). uWSGI answers
// [255, 0, 0, 1] once the file is written, [255, 0, 0, 0] otherwise (no spooler, an unknown
// `spooler`); it does not validate the vars. A spool file is itself a packet, [17, n, 0] + the
// vars, then the job's body (local `uwsgi.spool` only; the network packet carries none). Pure.

import { checkInteger } from "./arguments.js";
import { inputBytes } from "./bytes.js";
import { MAX_U16 } from "./constants.js";
import type { EncodeOptions } from "./limits.js";
import { type BytesInput, decodePacket, encodePacket, type VarsPacket } from "./packet.js";
import { expectModifiers, invalidField } from "./packet-error.js";
import type { VarsInput } from "./vars-encode.js";
import type { VarsView } from "./vars-view.js";

/** modifier1 of a spooler job (and of the packet at the start of a spool file). */
export const SPOOLER_MODIFIER1 = 17;

/** The vars uWSGI's spooler reads itself; every other var goes to the job as it is. */
export const SpoolerKey = {
  /** Which spooler runs the job: its directory, as given to `--spooler`. */
  SPOOLER: "spooler",
  /** A subdirectory of the spool directory; jobs are taken from it in name order. */
  PRIORITY: "priority",
  /** Unix seconds before which the job does not run (a fraction is dropped). */
  AT: "at",
} as const;

/** A decoded spooler job. Views point into the input. */
export interface SpoolJob {
  /** Every var of the job, `spooler`/`priority`/`at` included. */
  readonly vars: VarsView;
  /** The `at` var as uWSGI reads it (digits before a `.`), or 0. */
  readonly at: number;
  readonly byteLength: number;
}

/** A decoded spool file: the job's vars, then its body. */
export interface SpoolFile {
  readonly vars: VarsView;
  /** The bytes after the packet (a view): the body `uwsgi.spool({"body": ...})` gave. */
  readonly body: Uint8Array;
}

/**
 * Encodes a spooler job: modifier1 17, the vars as given (order and duplicates kept). Put
 * `spooler`, `priority` or `at` among them to choose the spooler, the priority or the time.
 */
export function encodeSpoolJob(vars: VarsInput, options?: EncodeOptions): Uint8Array {
  return encodePacket({ modifier1: SPOOLER_MODIFIER1, vars }, options);
}

/**
 * Decodes a spooler job at `offset`. Byte errors are `UwsgiError`s; modifier1 other than 17 is
 * `UNEXPECTED_PACKET`, an `at` that is not digits (with an optional fraction) `INVALID_FIELD`.
 */
export function decodeSpoolJob(buf: BytesInput, offset = 0): SpoolJob {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  const packet = readVars(src, offset, false);
  return { vars: packet.vars, at: atOf(src, packet.vars), byteLength: packet.byteLength };
}

/** Decodes a spool file (uWSGI accepts modifier1 17 or 0 at its start). */
export function decodeSpoolFile(buf: BytesInput): SpoolFile {
  const src = inputBytes("buf", buf);
  const packet = readVars(src, 0, true);
  return { vars: packet.vars, body: src.subarray(packet.byteLength) };
}

function readVars(src: Uint8Array, offset: number, file: boolean): VarsPacket {
  expectModifiers(
    src,
    offset,
    (m1) => m1 === SPOOLER_MODIFIER1 || (file && m1 === 0),
    "a spooler job (modifier1 17)",
  );
  return decodePacket(src, offset, {
    maxDatasize: MAX_U16,
    maxVars: Number.POSITIVE_INFINITY,
    payload: "vars",
  }) as VarsPacket;
}

function atOf(src: Uint8Array, vars: VarsView): number {
  const value = vars.getBytes(SpoolerKey.AT);
  if (value === undefined) return 0;
  const at = value.byteOffset - src.byteOffset;
  let n = 0;
  let i = 0;
  for (; i < value.length && value[i] !== 0x2e; i++) {
    const d = value[i]! - 0x30;
    if (d < 0 || d > 9 || n > (Number.MAX_SAFE_INTEGER - d) / 10) break;
    n = n * 10 + d;
  }
  let ok = i > 0 && (i === value.length || value[i] === 0x2e);
  for (let j = i + 1; ok && j < value.length; j++) ok = value[j]! >= 0x30 && value[j]! <= 0x39;
  if (!ok) {
    throw invalidField(
      at,
      SpoolerKey.AT,
      "at in unix seconds",
      "at is not unix seconds (digits, an optional fraction)",
    );
  }
  return n;
}
