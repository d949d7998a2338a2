#!/usr/bin/env node
// Copy the front-end libraries from node_modules/ into static/vendor/ (git-ignored),
// so that pages never load anything from a CDN. Run by `make vendor` after `npm ci`.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(root, "node_modules");
const out = join(root, "static", "vendor");

// [source relative to node_modules, destination relative to static/vendor]
const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ["bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"],
  ["bootstrap-icons/font/fonts", "bootstrap-icons/fonts"],
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["socket.io-client/dist/socket.io.min.js", "socket.io/socket.io.min.js"],
  ["socket.io-client/dist/socket.io.min.js.map", "socket.io/socket.io.min.js.map"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui/swagger-ui.css"],
  ["swagger-ui-dist/swagger-ui.css.map", "swagger-ui/swagger-ui.css.map"],
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui-standalone-preset.js", "swagger-ui/swagger-ui-standalone-preset.js"],
  ["swagger-ui-dist/favicon-16x16.png", "swagger-ui/favicon-16x16.png"],
  ["swagger-ui-dist/favicon-32x32.png", "swagger-ui/favicon-32x32.png"],
  ["swagger-ui-dist/oauth2-redirect.html", "swagger-ui/oauth2-redirect.html"],
  ["swagger-ui-dist/LICENSE", "swagger-ui/LICENSE"],
  // A serif font with Vietnamese glyphs for the PDF exports (notice, minutes): read by the
  // server from static/vendor/fonts/, never fetched at run time.
  ["@expo-google-fonts/noto-serif/400Regular/NotoSerif_400Regular.ttf", "fonts/noto-serif/NotoSerif-Regular.ttf"],
  ["@expo-google-fonts/noto-serif/700Bold/NotoSerif_700Bold.ttf", "fonts/noto-serif/NotoSerif-Bold.ttf"],
  ["@expo-google-fonts/noto-serif/400Regular_Italic/NotoSerif_400Regular_Italic.ttf", "fonts/noto-serif/NotoSerif-Italic.ttf"],
  ["@expo-google-fonts/noto-serif/700Bold_Italic/NotoSerif_700Bold_Italic.ttf", "fonts/noto-serif/NotoSerif-BoldItalic.ttf"],
  ["@expo-google-fonts/noto-serif/LICENSE_FONT", "fonts/noto-serif/OFL.txt"],
];

if (!existsSync(nm)) {
  console.error("node_modules/ is missing: run `npm ci` first (or `make vendor`).");
  process.exit(1);
}

const version = (pkg) => JSON.parse(readFileSync(join(nm, pkg, "package.json"), "utf8")).version;

rmSync(out, { recursive: true, force: true });
let missing = 0;
for (const [src, dst] of files) {
  const from = join(nm, src);
  const to = join(out, dst);
  if (!existsSync(from)) {
    // Source maps are optional; everything else must be there.
    if (src.endsWith(".map")) continue;
    console.error(`missing: node_modules/${src}`);
    missing += 1;
    continue;
  }
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}
if (missing) process.exit(1);

const versions = Object.fromEntries(
  ["bootstrap", "bootstrap-icons", "htmx.org", "socket.io-client", "swagger-ui-dist", "@expo-google-fonts/noto-serif"].map((p) => [p, version(p)]),
);
writeFileSync(join(out, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
const count = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? count(join(dir, e.name)) : 1), 0);
console.log(`static/vendor: ${count(out)} files (${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(", ")})`);
