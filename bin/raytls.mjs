#!/usr/bin/env node
// `raytls ... | head` closes stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
