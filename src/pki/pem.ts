/**
 * PEM framing (RFC 7468): split a file into labelled DER blocks, and wrap DER as PEM. Strict as
 * RFC 7468 section 3 asks of parsers of untrusted input (issue 13): no RFC 1421 header lines
 * (Proc-Type, DEK-Info) inside the base64, base64 whose length is a multiple of 4 with padding
 * only at the end, matching BEGIN and END labels. Text around the blocks is ignored, as openssl does.
 */
export interface PemBlock {
  label: string;
  der: Uint8Array;
  /** 1-based line where the block starts, for error messages. */
  line: number;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString("base64");
  let body = "";
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + "\n";
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Every complete PEM block in `text`; an unterminated or non-base64 block is reported in `broken`. */
export function parsePem(text: string): { blocks: PemBlock[]; broken: Array<{ label: string; line: number; why: string }> } {
  const blocks: PemBlock[] = [];
  const broken: Array<{ label: string; line: number; why: string }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const begin = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/.exec(lines[i]!.trim());
    if (!begin) continue;
    const label = begin[1]!;
    const start = i + 1;
    let body = "";
    let j = i + 1;
    let ended = false;
    let headerLine: number | undefined;
    for (; j < lines.length; j++) {
      const l = lines[j]!.trim();
      if (l === `-----END ${label}-----`) {
        ended = true;
        break;
      }
      if (/^-----(BEGIN|END) /.test(l)) break;
      if (l.includes(":")) {
        headerLine ??= j + 1;
        continue;
      }
      body += l;
    }
    if (!ended) {
      broken.push({ label, line: start, why: "no matching END line (truncated?)" });
      i = j - 1;
      continue;
    }
    if (headerLine !== undefined) {
      broken.push({ label, line: start, why: `has a header line (line ${headerLine}) inside the base64; RFC 7468 allows none (an encrypted legacy PEM?)` });
    } else if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0 || body.length % 4 !== 0) {
      broken.push({ label, line: start, why: "the body is not valid base64" });
    } else {
      blocks.push({ label, der: new Uint8Array(Buffer.from(body, "base64")), line: start });
    }
    i = j;
  }
  return { blocks, broken };
}
