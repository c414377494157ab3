// The interop step of .ci/run: other languages against `paytoken mock`.
//
//   node .ci/interop/run.mjs <paytoken binary>
//
// Starts the mock on a free loopback port (and a second one with --moov-api current when
// the binary has that flag), two Prism proxies per provider in front of it — "strict"
// (`prism proxy specs/x.yaml <mock> --errors`: validates requests and answers) and "answers"
// (the same with --validate-request=false: every request reaches the mock, and an answer off
// the spec becomes Prism's 500) — then runs every client:
//
//   typed_client.ts     openapi-typescript + openapi-fetch, through the strict proxies
//   node_clients.mjs    simple-oauth2, openid-client, through the answer proxies
//   python_clients.py   requests-oauthlib, Authlib (Debian's python3), through the answer proxies
//   bad_requests.mjs    requests the spec or RFC 6749 forbid, through both
//
// prints the case table (client × provider × style: expected, got), counts Prism's logged
// response violations, stops everything it started, and exits 1 on any unexpected outcome.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const bin = resolve(process.argv[2] ?? "");
const prismBin = join(here, "node_modules/.bin/prism");
const tsx = join(here, "node_modules/.bin/tsx");
const python = process.env.INTEROP_PYTHON ?? "/usr/bin/python3"; // Debian's, with its packages
const paths = { moneygo: "/token", moneykit: "/auth/token", moov: "/oauth2/token", mobifinance: "/v2/oauth/token" };

const children = [];
function stopAll() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
}
process.on("exit", stopAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(1));

function start(cmd, args, name) {
  const c = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  c.name = name;
  c.log = [];
  for (const s of [c.stdout, c.stderr]) createInterface({ input: s }).on("line", (l) => c.log.push(l));
  children.push(c);
  return c;
}

async function startMock(extra) {
  // Kept-alive connections from Prism outlive any pause of a loaded machine: a connection
  // the mock closed for idleness just as Prism reused it would fail a case by chance.
  const flags = ["--addr", "127.0.0.1:0", "--quiet", "--idle-timeout", "10m", "--read-timeout", "1m"];
  const c = start(bin, ["mock", ...flags, ...extra], "mock " + extra.join(" "));
  const lines = createInterface({ input: c.stdout });
  const deadline = setTimeout(() => c.kill("SIGTERM"), 120_000);
  for await (const l of lines) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(l);
    if (m) {
      clearTimeout(deadline);
      return m[1];
    }
  }
  throw new Error(`paytoken mock ${extra.join(" ")} did not start: ${c.log.join("\n")}`);
}

async function freePort() {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address();
  s.close();
  await once(s, "close");
  return port;
}

async function startPrism(spec, upstream, strict) {
  const port = await freePort();
  const args = ["proxy", spec, upstream, "--errors", "--host", "127.0.0.1", "--port", String(port), "--cors=false"];
  if (!strict) args.push("--validate-request=false");
  const c = start(prismBin, args, `prism ${strict ? "strict" : "answers"} ${spec}`);
  const url = `http://127.0.0.1:${port}`;
  for (const t0 = Date.now(); Date.now() - t0 < 180_000;) {
    if (c.exitCode !== null) break;
    try {
      await fetch(url + "/");
      return { url, c };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${c.name} did not start: ${c.log.join("\n")}`);
}

// run: one client script; its stdout is JSON lines of cases, anything else is kept as noise.
async function run(cmd, args, env) {
  const c = spawn(cmd, args, { cwd: here, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(c);
  const cases = [];
  const noise = [];
  createInterface({ input: c.stdout }).on("line", (l) => {
    try {
      cases.push(JSON.parse(l));
    } catch {
      noise.push(l);
    }
  });
  createInterface({ input: c.stderr }).on("line", (l) => noise.push(l));
  // A client that hangs fails the step instead of stalling it.
  const limit = setTimeout(() => c.kill("SIGKILL"), 300_000);
  const [code, signal] = await once(c, "exit");
  clearTimeout(limit);
  if (code !== 0) cases.push({ client: args.join(" "), provider: "-", style: "exit status", expect: "0", got: String(code ?? signal) });
  return { cases, noise };
}

const t0 = Date.now();
const mock = await startMock([]);
const help = spawnSync(bin, ["mock", "--help"], { encoding: "utf8" });
const hasCurrent = `${help.stdout}${help.stderr}`.includes("moov-api");
const mockCurrent = hasCurrent ? await startMock(["--moov-api", "current"]) : undefined;

// Provider entries: the four, plus Moov's current shape on its own mock when there is one.
const entries = Object.keys(paths).map((p) => ({ name: p, spec: `specs/${p}.yaml`, mock, path: paths[p] }));
if (mockCurrent) entries.push({ name: "moov-current", spec: "specs/moov.yaml", mock: mockCurrent, path: paths.moov });
const proxies = await Promise.all(entries.map(async (e) => {
  const [strict, answers] = await Promise.all([startPrism(e.spec, e.mock, true), startPrism(e.spec, e.mock, false)]);
  return { ...e, strict, answers };
}));
const started = Date.now();

const endpoints = (kind) => JSON.stringify({
  mock,
  mockOf: Object.fromEntries(proxies.map((x) => [x.name, x.mock])),
  token: Object.fromEntries(proxies.map((x) => [x.name, x[kind].url + x.path])),
  strict: Object.fromEntries(proxies.map((x) => [x.name, x.strict.url])),
  answers: Object.fromEntries(proxies.map((x) => [x.name, x.answers.url])),
});

const results = await Promise.all([
  run(tsx, ["typed_client.ts"], { INTEROP_ENDPOINTS: endpoints("strict") }),
  run(process.execPath, ["node_clients.mjs"], { INTEROP_ENDPOINTS: endpoints("answers") }),
  run(python, ["python_clients.py"], { INTEROP_ENDPOINTS: endpoints("answers") }),
  run(process.execPath, ["bad_requests.mjs"], { INTEROP_ENDPOINTS: endpoints("answers") }),
]);
const cases = results.flatMap((r) => r.cases);

// Prism logs each violation it finds (with --errors, as the answer it replaced); an answer of
// the mock's that breaks its spec shows here even where a client would not notice.
const violations = proxies.flatMap((x) => [x.strict.c, x.answers.c])
  .flatMap((c) => c.log.filter((l) => /Violation: response|errors#VIOLATIONS/.test(l)).map((l) => `${c.name}: ${l.replace(/.*\] › +/, "")}`));

// The table.
const cols = ["client", "provider", "style", "expect", "got"];
const width = Object.fromEntries(cols.map((k) => [k, Math.min(60, Math.max(k.length, ...cases.map((c) => String(c[k]).length)))]));
const cell = (k, v) => String(v).padEnd(width[k]);
console.log(["    ", ...cols.map((k) => cell(k, k === "expect" ? "expected" : k))].join("  ").trimEnd());
let failed = 0;
for (const c of cases) {
  const ok = c.expect === c.got;
  if (!ok) failed++;
  console.log([ok ? "ok  " : "FAIL", ...cols.map((k) => cell(k, c[k]))].join("  ").trimEnd());
}
const byClient = {};
for (const c of cases) byClient[c.client] = (byClient[c.client] ?? 0) + 1;
console.log(`\n${cases.length} cases (${Object.entries(byClient).map(([k, v]) => `${k} ${v}`).join(", ")}); ` +
  `${failed} unexpected; Prism response violations: ${violations.length}` +
  `${mockCurrent ? "" : "; no --moov-api in this paytoken, Moov's current shape not run"}; ` +
  `${((Date.now() - t0) / 1000).toFixed(1)} s (tools up in ${((started - t0) / 1000).toFixed(1)} s)`);
for (const v of violations) console.log("violation: " + v);
for (const r of results) for (const l of r.noise) console.log("client output: " + l);
if (failed > 0 || violations.length > 0) {
  for (const c of children) if (c.name && c.log.length) console.log(`--- ${c.name} (last lines)\n${c.log.slice(-15).join("\n")}`);
}
stopAll();
process.exit(failed > 0 || violations.length > 0 ? 1 : 0);
