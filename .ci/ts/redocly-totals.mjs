// Reads `redocly lint --format=json` of one spec (named by the argument) from stdin and fails
// unless it found no error, no warning and nothing ignored: Redocly itself exits 0 on warnings,
// and the specs must have none.
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { totals } = JSON.parse(input);
  console.log(`redocly ${process.argv[2] ?? ""}: ${totals.errors} errors, ${totals.warnings} warnings, ${totals.ignored} ignored`);
  if (totals.errors !== 0 || totals.warnings !== 0 || totals.ignored !== 0) {
    process.exit(1);
  }
});
