// Builds graph-library.js (one IIFE, minified) and LICENSES.txt from the pinned packages.
// Run `npm ci && npm run build` in this folder; see README.md.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { build } from "esbuild";

const result = await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  legalComments: "none",
  metafile: true,
  write: false,
});

// Every package that ended up in the bundle, with its licence text.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
const licences = [...packages].sort().map((name) => {
  const dir = `node_modules/${name}`;
  const meta = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
  const file = ["LICENSE", "LICENSE.txt", "LICENSE.md", "license"].find((f) => existsSync(`${dir}/${f}`));
  if (!file) throw new Error(`${name} ships no licence file`);
  const text = readFileSync(`${dir}/${file}`, "utf8").trim();
  return `${name} ${meta.version} (${meta.license})\n\n${text}\n`;
});
const notice = licences.join("\n" + "-".repeat(72) + "\n\n");
const code = result.outputFiles[0].text;

// The file is inlined into a <script> element: these would end it or confuse the parser.
for (const [label, text] of [["bundle", code], ["licences", notice]]) {
  for (const bad of ["</script", "<!--", "<script"]) {
    if (text.toLowerCase().includes(bad)) throw new Error(`${label} contains ${bad}`);
  }
}
if (notice.includes("*/")) throw new Error("a licence text contains */");

writeFileSync("LICENSES.txt", notice);
writeFileSync("graph-library.js", `/*!\n${notice}*/\n${code}`);
console.error(`graph-library.js: ${[...packages].sort().join(", ")}; ${code.length} bytes of code`);
