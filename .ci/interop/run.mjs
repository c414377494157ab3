// The interop step of .ci/run: other languages against `paytoken mock`.
//
//   node .ci/interop/run.mjs <paytoken binary>
//
// Starts the mock on a loopback port of its own choosing (and a second one with
// --moov-api current when the binary has that flag), two Prism proxies per provider in front
// of it — "strict" (`prism proxy specs/x.yaml <mock> --errors`: validates requests and
// answers) and "answers" (the same with --validate-request=false: every request reaches the
// mock, and an answer off the spec becomes Prism's 500) — each checked to hold its port (see
// startServer), then runs every client:
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
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
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
  for (const s of [c.stdout, c.stderr]) {
    createInterface({ input: s }).on("line", (l) => {
      c.log.push(l);
      c.emit("line", l);
    });
  }
  children.push(c);
  return c;
}

const running = (c) => c.exitCode === null && c.signalCode === null;

// ---- servers ------------------------------------------------------------------------------
//
// Every server is started on port 0 and says which port it got: the kernel picks a free one
// and the server binds it itself, so no other process can take it in between (handing a
// server a number found free a moment earlier was a race: on a loaded machine another
// process bound it first, and MoneyKit's cases met a stranger's 404s). A server counts as
// started only when it holds its port for certain:
//   - it printed its listening line, with the address;
//   - it is still running;
//   - the listening socket on that port is this very process's (Linux: the socket's inode in
//     /proc/net/tcp among the links of /proc/<pid>/fd);
//   - a request gets the answer only that server gives (probe).
// Otherwise it is stopped and started again, on a new port, up to START_ATTEMPTS times; then
// the step fails, naming the server and saying what went wrong each time.
const START_ATTEMPTS = 4;
// Per attempt: Node and Prism start in seconds, but a loaded 2-core machine may pause anything.
const START_TIMEOUT_MS = 180_000;
const PROBE_TIMEOUT_MS = 60_000;

// waitListening resolves to the URL in c's first line that matches re (its group 1), and
// rejects when c exits first or time runs out.
function waitListening(c, re, ms) {
  return new Promise((resolve, reject) => {
    const done = (f, v) => {
      clearTimeout(timer);
      c.off("line", onLine);
      c.off("exit", onExit);
      f(v);
    };
    const onLine = (l) => {
      const m = re.exec(l);
      if (m) done(resolve, m[1]);
    };
    const onExit = (code, signal) => {
      const inUse = c.log.some((l) => /EADDRINUSE|address already in use/i.test(l)) ? " (address in use)" : "";
      done(reject, new Error(`exited (${code ?? signal}) before listening${inUse}`));
    };
    const timer = setTimeout(() => done(reject, new Error(`no listening line within ${ms / 1000} s`)), ms);
    c.on("line", onLine);
    c.on("exit", onExit);
    for (const l of c.log) onLine(l);
    if (!running(c)) onExit(c.exitCode, c.signalCode);
  });
}

// listenInodes: the inodes of the loopback sockets listening on port, from /proc/net/tcp
// (and tcp6); undefined where there is no /proc (the ownership check is then left out).
function listenInodes(port) {
  const want = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set();
  let found = false;
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    found = true;
    for (const line of text.split("\n").slice(1)) {
      const col = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (column 9); st 0A is LISTEN
      if (col.length > 9 && col[1].endsWith(":" + want) && col[3] === "0A") inodes.add(col[9]);
    }
  }
  return found ? inodes : undefined;
}

// checkOwner throws unless the socket listening on url's port belongs to process c.
function checkOwner(c, url) {
  const port = Number(new URL(url).port);
  const inodes = listenInodes(port);
  if (inodes === undefined) return;
  if (inodes.size === 0) throw new Error(`nothing listens on port ${port}`);
  let fds;
  try {
    fds = readdirSync(`/proc/${c.pid}/fd`);
  } catch (e) {
    throw new Error(`cannot read /proc/${c.pid}/fd: ${e.message}`);
  }
  for (const fd of fds) {
    let link;
    try {
      link = readlinkSync(`/proc/${c.pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m && inodes.has(m[1])) return;
  }
  throw new Error(`port ${port} is held by another process, not by pid ${c.pid}`);
}

// get: status and body of a GET, within PROBE_TIMEOUT_MS.
async function get(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  return { status: res.status, body: await res.text() };
}

// startServer starts name (cmd args) until it holds its port (see above); returns { url, c }.
async function startServer(name, cmd, args, listening, probe) {
  const reasons = [];
  let c;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    c = start(cmd, args, name);
    try {
      const url = await waitListening(c, listening, START_TIMEOUT_MS);
      checkOwner(c, url);
      const wrong = await probe(url);
      if (wrong) throw new Error(`${url} answered as another server would: ${wrong}`);
      if (!running(c)) throw new Error(`exited (${c.exitCode ?? c.signalCode}) after listening`);
      checkOwner(c, url); // and still holds it after answering
      if (attempt > 1) console.log(`${name}: started on attempt ${attempt} (before: ${reasons.join("; ")})`);
      return { url, c };
    } catch (e) {
      reasons.push(`attempt ${attempt}: ${e.message}`);
      if (running(c)) {
        c.kill("SIGKILL");
        await once(c, "exit");
      }
    }
  }
  throw new Error(`${name} did not start holding its port, in ${START_ATTEMPTS} attempts:\n  ${reasons.join("\n  ")}\n` +
    `--- ${name} (last lines of the last attempt)\n${c.log.slice(-20).join("\n")}`);
}

async function startMock(extra) {
  // Kept-alive connections from Prism outlive any pause of a loaded machine: a connection
  // the mock closed for idleness just as Prism reused it would fail a case by chance.
  const flags = ["--addr", "127.0.0.1:0", "--quiet", "--idle-timeout", "10m", "--read-timeout", "1m"];
  const name = ["paytoken mock", ...extra].join(" ");
  // The probe: the control API's index, which lists the four providers (only the mock has it).
  const { url } = await startServer(name, bin, ["mock", ...flags, ...extra], /listening on (http:\/\/127\.0\.0\.1:\d+)/, async (url) => {
    const { status, body } = await get(url + "/_mock/");
    let index;
    try {
      index = JSON.parse(body);
    } catch {
      index = undefined;
    }
    const names = (index?.providers ?? []).map((p) => p.provider).sort().join(",");
    return status === 200 && names === Object.keys(paths).sort().join(",") ? "" : `GET /_mock/: ${status} ${body.slice(0, 200)}`;
  });
  return url;
}

async function startPrism(spec, upstream, path, strict) {
  const args = ["proxy", spec, upstream, "--errors", "--host", "127.0.0.1", "--port", "0", "--cors=false"];
  if (!strict) args.push("--validate-request=false");
  const name = `prism ${strict ? "strict" : "answers"} ${spec}`;
  // The probe: a GET of the spec's token path, which Prism itself refuses (the spec has only
  // POST there): its problem type, naming the route, is Prism's and this spec's.
  return startServer(name, prismBin, args, /Prism is listening on (http:\/\/127\.0\.0\.1:\d+)/, async (url) => {
    const { status, body } = await get(url + path);
    return status === 405 && body.includes("prism/errors#NO_METHOD_MATCHED_ERROR") && body.includes(`route ${path} `)
      ? "" : `GET ${path}: ${status} ${body.slice(0, 200)}`;
  });
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
const help = spawnSync(bin, ["mock", "--help"], { encoding: "utf8" });
const hasCurrent = `${help.stdout}${help.stderr}`.includes("moov-api");
let mock, mockCurrent, proxies;
try {
  mock = await startMock([]);
  mockCurrent = hasCurrent ? await startMock(["--moov-api", "current"]) : undefined;
  // Provider entries: the four, plus Moov's current shape on its own mock when there is one.
  const entries = Object.keys(paths).map((p) => ({ name: p, spec: `specs/${p}.yaml`, mock, path: paths[p] }));
  if (mockCurrent) entries.push({ name: "moov-current", spec: "specs/moov.yaml", mock: mockCurrent, path: paths.moov });
  proxies = await Promise.all(entries.map(async (e) => {
    const [strict, answers] = await Promise.all([startPrism(e.spec, e.mock, e.path, true), startPrism(e.spec, e.mock, e.path, false)]);
    return { ...e, strict, answers };
  }));
} catch (e) {
  // A server that would not start ends the step, with its reasons (stopAll runs on exit).
  console.log(`FAIL: ${e.message}`);
  process.exit(1);
}
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
