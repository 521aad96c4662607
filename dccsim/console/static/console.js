// The dccsim training console: live message flow, message details, device panels, Send and Inbox.
"use strict";

const LANE_CENTRE = { user: 12.5, dcc: 37.5, chf: 62.5, device: 87.5 };
// Where an arrow stands among the others of its request (rows of the same rank keep their arrival order).
const RANK = { "request": 0, "response": 1, "gbcs-command": 2, "gbcs-refused": 3, "gbcs-response": 3,
  "gbcs-alert": 4, "outbox": 5, "delivery-attempt": 6 };
const MAX_SEQUENCES = 150;

const state = {
  live: true, held: [], groups: new Map(), seen: new Set(), deviceTypes: {}, selected: null, device: null,
  form: null, examples: {},
};

const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
};
const dashed = (eui) => eui && /^[0-9A-F]{16}$/.test(eui) ? eui.match(/../g).join("-") : (eui || "");
const plain = (text) => (text || "").replace(/-/g, "").toUpperCase();

async function getJson(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

// --- tabs and filters -----------------------------------------------------------------------------------

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.tab === name);
  for (const pane of document.querySelectorAll(".pane")) pane.classList.toggle("active", pane.id === `tab-${name}`);
  if (name === "devices") loadEstate();
  if (name === "inbox") loadInbox();
}

function filters() {
  return { user: plain($("#filter-user").value), device: plain($("#filter-device").value),
    request: $("#filter-request").value.trim().toUpperCase() };
}

function groupVisible(group) {
  const f = filters();
  if (f.request && !group.key.toUpperCase().includes(f.request)) return false;
  if (f.user && !group.events.some((e) => e.user === f.user)) return false;
  if (f.device && !group.events.some((e) => e.device === f.device || e.originator === f.device)) return false;
  return true;
}

function applyFilters() {
  for (const group of state.groups.values()) group.node.hidden = !groupVisible(group);
}

for (const id of ["#filter-user", "#filter-device", "#filter-request"]) $(id).addEventListener("input", applyFilters);
$("#filter-clear").addEventListener("click", () => {
  for (const id of ["#filter-user", "#filter-device", "#filter-request"]) $(id).value = "";
  applyFilters();
});

$("#live").addEventListener("click", () => {
  state.live = !state.live;
  $("#live").textContent = state.live ? "● live" : "❚❚ paused";
  $("#live").classList.toggle("paused", !state.live);
  if (state.live) {
    const held = state.held;
    state.held = [];
    held.forEach(show);
  }
});

// --- the event stream -----------------------------------------------------------------------------------

function connect() {
  const stream = new EventSource("events");
  stream.addEventListener("open", () => { $("#stream-state").textContent = ""; });
  stream.addEventListener("error", () => { $("#stream-state").textContent = "reconnecting…"; });
  stream.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    if (state.live) show(event); else state.held.push(event);
  });
}

function groupKey(event) {
  return event.request_id || event.group || `${event.kind} ${event.source}:${event.row}`;
}

function show(event) {
  const id = `${event.source}:${event.row}`;
  if (state.seen.has(id)) return;         // sent again after a reconnection
  state.seen.add(id);
  const key = groupKey(event);
  let group = state.groups.get(key);
  if (!group) {
    const what = event.request_id ? "Service Request" : event.group ? "Device alert" : event.kind;
    const title = el("h3", {}, el("b", {}, what), " ", event.request_id || (event.group ? "" : key));
    const lifelines = el("div", { class: "lifelines" });
    group = { key, events: [], node: el("div", { class: "sequence", dataset: { request: key } }, title, lifelines) };
    state.groups.set(key, group);
    const container = $("#sequences");
    $(".empty", container)?.remove();
    container.prepend(group.node);
    if (state.groups.size > MAX_SEQUENCES) {
      const oldest = state.groups.keys().next().value;
      state.groups.get(oldest).node.remove();
      state.groups.delete(oldest);
    }
  }
  group.events.push(event);
  const rank = (e) => RANK[e.source === "outbox" ? "outbox" : e.kind] ?? 3;
  group.events.sort((a, b) => rank(a) - rank(b) || (a.source === b.source ? a.row - b.row : 0));
  const lifelines = $(".lifelines", group.node);
  lifelines.replaceChildren(...collapsed(group.events).map(arrow));
  if (event.device) {
    const device = event.device;
    if (!group.device) {
      group.device = device;
      $("h3", group.node).append(" → ", el("span", {}, `${state.deviceTypes[device] || ""} ${dashed(device)}`));
    }
  }
  group.node.hidden = !groupVisible(group);
  if (state.device && (event.device === state.device || event.originator === state.device)) loadDevice(state.device);
  if (event.source === "outbox") refreshInboxCount();
}

// Delivery attempts that failed alike one after another are drawn once, with their number.
function collapsed(events) {
  const drawn = [];
  for (const event of events) {
    const last = drawn[drawn.length - 1];
    if (last && event.kind === "delivery-attempt" && last.kind === "delivery-attempt" && last.label === event.label) {
      drawn[drawn.length - 1] = { ...event, times: (last.times || 1) + 1 };
    } else {
      drawn.push(event);
    }
  }
  return drawn;
}

function lane(name, event) {
  if (name === "device" && state.deviceTypes[event.device] === "CHF") return "chf";
  return name;
}

function arrow(event) {
  const from = LANE_CENTRE[lane(event.from, event)];
  const to = LANE_CENTRE[lane(event.to, event)];
  const left = Math.min(from, to);
  const width = Math.max(Math.abs(to - from), 2);
  const code = event.code ? el("span", { class: "code" }, event.code) : null;
  const text = event.source === "outbox" ? `${event.kind} ` : `${event.label} `;
  const classes = ["arrow", from <= to ? "ltr" : "rtl"];
  if (event.kind.startsWith("gbcs")) classes.push("gbcs");
  if (event.kind === "delivery-attempt") classes.push("attempt");
  if ((event.code || "").startsWith("E") || event.kind === "gbcs-refused") classes.push("error");
  const key = `${event.source}:${event.row}`;
  if (state.selected === key) classes.push("selected");
  return el("div", { class: classes.join(" "), title: event.meaning || event.label,
    dataset: { kind: event.kind, source: event.source, row: event.row, code: event.code || "" },
    onclick: () => openMessage(event.source, event.row) },
    el("span", { class: "line", style: `left:${left}%;width:${width}%` }),
    el("span", { class: "label", style: `left:${left + width / 2}%` },
      event.source === "outbox" ? "async " : "", text, code,
      event.source === "outbox" && event.status ? ` (${event.status})` : "",
      event.times ? ` ×${event.times}` : ""));
}

// --- one message ----------------------------------------------------------------------------------------

async function openMessage(source, row) {
  state.selected = `${source}:${row}`;
  for (const node of document.querySelectorAll(".arrow.selected")) node.classList.remove("selected");
  $(`.arrow[data-source="${source}"][data-row="${row}"]`)?.classList.add("selected");
  const detail = $("#detail");
  detail.replaceChildren(el("p", { class: "empty" }, "loading…"));
  try {
    renderMessage(await getJson(`api/messages/${source}/${row}`));
  } catch (error) {
    detail.replaceChildren(el("p", { class: "empty" }, `cannot open it: ${error.message}`));
  }
}

function renderMessage(message) {
  const parts = [el("h2", { id: "detail-title" }, `${message.kind} (${message.direction})`),
    el("div", { class: "hint" }, `${message.at} · ${message.request_id || "no RequestID"} · user ${dashed(message.user)}`)];
  if (message.outcome) {
    parts.push(el("div", { class: `outcome${message.outcome.code.startsWith("E") ? " error" : ""}`, id: "detail-outcome" },
      el("b", {}, message.outcome.code), " ", message.outcome.title || "", el("br"), message.outcome.meaning || ""));
  }
  if (message.status) parts.push(el("div", {}, `delivery: ${message.status}, ${message.attempts} attempt(s)`,
    message.last_error ? ` — ${message.last_error}` : ""));
  for (const frame of message.gbcs || []) parts.push(renderFrame(frame));
  if (message.document) {
    parts.push(el("h4", {}, "DUIS document"), el("pre", { class: "xml" }, message.document.xml));
    if (message.document.signature) {
      parts.push(el("details", { class: "signature" }, el("summary", {}, "XML signature"),
        el("pre", {}, message.document.signature)));
    }
  } else if (!message.gbcs) {
    parts.push(el("pre", {}, message.body));
  }
  $("#detail").replaceChildren(...parts);
}

function renderFrame(frame) {
  if (frame.error) return el("div", { class: "outcome error" }, `GBCS: ${frame.error}`);
  const verification = frame.verification || {};
  const verdicts = Object.entries(verification).map(([what, verdict]) =>
    el("span", { class: `verdict ${verdict}` }, `${what}: ${verdict}`));
  const payload = frame.payload || {};
  return el("div", { class: "gbcs" },
    el("h4", {}, "GBCS ", el("span", { class: "use-case" }, frame.use_case || `message code ${frame.message_code}`)),
    fieldTable({ frame: frame.frame, cra: frame.cra, originator: frame.originator, recipient: frame.recipient,
      counter: frame.counter, message_code: frame.message_code }),
    el("div", { class: "verification" }, ...verdicts),
    el("h4", {}, `payload (${payload.kind || "?"})`),
    payload.fields ? fieldTable(payload.fields, "payload-fields") : el("p", { class: "empty" }, "no named fields"),
    el("details", {}, el("summary", {}, "the whole decoded frame (JSON)"),
      el("pre", {}, JSON.stringify(frame, null, 1))));
}

// A JSON value as rows of dotted paths and their values (the leaves), which reads well in a narrow panel.
const MAX_ROWS = 400;
function fieldTable(value, id) {
  const table = el("table", { class: "fields" });
  if (id) table.id = id;
  let rows = 0;
  const walk = (item, path) => {
    if (rows >= MAX_ROWS) return;
    if (item && typeof item === "object" && Object.keys(item).length) {
      for (const [key, child] of Object.entries(item)) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    const text = item && typeof item === "object" ? JSON.stringify(item) : String(item);
    table.append(el("tr", {}, el("th", {}, path), el("td", {}, text.length > 300 ? `${text.slice(0, 300)}…` : text)));
    rows += 1;
  };
  walk(value, "");
  if (rows >= MAX_ROWS) table.append(el("tr", {}, el("td", { colspan: 2, class: "hint" }, "… (see the whole frame below)")));
  return table;
}

// --- devices --------------------------------------------------------------------------------------------

async function loadEstate() {
  const estate = await getJson("api/estate");
  $("#clock").textContent = estate.clock;
  const nodes = estate.premises.map((place) => el("div", { class: "premises" },
    el("h3", {}, `Premises of hub ${dashed(place.hub)}`, place.postcode ? ` · ${place.postcode}` : ""),
    ...place.devices.map((device) => {
      state.deviceTypes[device.device_id] = device.device_type;
      return el("button", { class: `device-button${state.device === device.device_id ? " selected" : ""}`,
        dataset: { device: device.device_id, type: device.device_type },
        onclick: () => loadDevice(device.device_id) },
        `${device.device_type.padEnd(6)} ${dashed(device.device_id)} `, el("small", {}, device.status));
    })));
  $("#premises").replaceChildren(...nodes);
  return estate;
}

async function loadDevice(deviceId) {
  state.device = deviceId;
  if ($(`#send-device option[value="${deviceId}"]`)) $("#send-device").value = deviceId;   // Send addresses it next
  for (const button of document.querySelectorAll(".device-button")) {
    button.classList.toggle("selected", button.dataset.device === deviceId);
  }
  const panel = await getJson(`api/devices/${deviceId}`);
  const view = panel.state;
  const sections = [];
  const section = (title, value, id) => {
    if (value === null || value === undefined) return;
    sections.push(el("div", { class: "panel-section", id }, el("h4", {}, title),
      typeof value === "object" ? fieldTable(value) : el("span", {}, String(value))));
  };
  const meter = view.meter || view.mirror;
  if (meter) {
    section("Clock", meter.clock, "panel-clock");
    section("Registers", meter.registers, "panel-registers");
    section("Balance and debt", meter.prepayment, "panel-prepayment");
    if (meter.supply) section("Supply", { supply: meter.supply, payment_mode: meter.payment_mode }, "panel-supply");
    section("Tariff", view.tariff || meter.tariff, "panel-tariff");
  } else if (view.kind === "ESME" || view.kind === "GSME") {
    sections.push(el("p", { class: "empty" }, "The meter has not answered a command yet: its registers appear after the first."));
    section("Tariff", view.tariff, "panel-tariff");
  }
  section("Firmware", view.firmware, "panel-firmware");
  if (view.device_log) section("HAN device log", view.device_log, "panel-device-log");
  section("Trust-anchor cells", view.trust_anchors, "panel-trust-anchors");
  if (view.held_commands?.length) section("Future-dated commands held", view.held_commands);
  if (view.security_log?.length) section("Security log (latest)", view.security_log);
  const offline = panel.faults.offline;
  const actions = el("div", { class: "actions" },
    el("button", { id: "fault-offline", onclick: () => setFault(deviceId, { offline: !offline }) },
      offline ? "Bring online" : "Take offline"),
    el("button", { onclick: () => setFault(deviceId, { loss: panel.faults.loss ? 0 : 0.5 }) },
      panel.faults.loss ? "Stop losing frames" : "Lose half the frames"),
    el("button", { onclick: () => setFault(deviceId, { latency_ms: panel.faults.latency_ms ? 0 : 500 }) },
      panel.faults.latency_ms ? "No latency" : "Add 500 ms latency"),
    el("span", { id: "device-events" }));
  $("#device-panel").replaceChildren(
    el("h3", { id: "panel-title" }, `${panel.device_type} ${dashed(panel.device_id)} · ${panel.status}`,
      offline ? el("span", { class: "offline" }, " · OFFLINE") : ""),
    el("div", { class: "hint" }, `faults: offline ${offline}, latency ${panel.faults.latency_ms} ms, loss ${panel.faults.loss}`),
    actions, ...sections);
  loadDeviceEvents(deviceId);
}

async function setFault(deviceId, faults) {
  await getJson(`/admin/devices/${dashed(deviceId)}/faults`, { method: "POST",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(faults) });
  await loadDevice(deviceId);
}

// Device events are offered only when the simulator lists them (GET /admin/devices/{id}/events).
async function loadDeviceEvents(deviceId) {
  const response = await fetch(`/admin/devices/${dashed(deviceId)}/events`);
  if (!response.ok) return;
  const listed = await response.json().catch(() => null);
  const events = Array.isArray(listed) ? listed : (listed?.events || []);
  const holder = $("#device-events");
  if (!holder) return;
  holder.replaceChildren(...events.map((event) => {
    const name = typeof event === "string" ? event : event.event || event.name;
    return el("button", { class: "device-event", onclick: async () => {
      await getJson(`/admin/devices/${dashed(deviceId)}/events`, { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ event: name, count: 1 }) });
      loadDevice(deviceId);
    } }, name);
  }));
}

// --- send -----------------------------------------------------------------------------------------------

async function loadSendChoices() {
  const [users, catalogue, estate] = await Promise.all([getJson("/admin/users"), getJson("api/catalogue"), loadEstate()]);
  $("#send-user").replaceChildren(...users.users.filter((u) => u.roles.length).map((u) =>
    el("option", { value: u.entity_id }, `${dashed(u.entity_id)} ${u.name || ""} (${u.roles.join(", ")})`)));
  $("#send-variant").replaceChildren(...catalogue.variants.map((v) =>
    el("option", { value: v.variant }, `${v.variant} ${v.name}${v.critical ? " (critical)" : ""}`)));
  $("#send-device").replaceChildren(el("option", { value: "" }, "(none)"), ...estate.premises.flatMap((p) =>
    p.devices.map((d) => el("option", { value: d.device_id }, `${d.device_type} ${dashed(d.device_id)}`))));
  $("#send-user").value = users.users.find((u) => u.roles.includes("IS"))?.entity_id || $("#send-user").value;
  $("#send-variant").value = "4.1.1";
  $("#send-device").value = estate.premises.flatMap((p) => p.devices).find((d) => d.device_type === "ESME")?.device_id || "";
  await loadForm();
}

async function loadForm() {
  const form = await getJson(`api/catalogue/${encodeURIComponent($("#send-variant").value)}`);
  state.form = form;
  state.examples = {};
  const nodes = [];
  for (const field of form.fields) {
    const id = `field-${field.path.replace(/[^A-Za-z0-9]/g, "-")}`;
    state.examples[field.path] = field.example ?? "";
    const input = field.enumeration.length
      ? el("select", { id, dataset: { path: field.path } }, el("option", { value: "" }, ""),
        ...field.enumeration.map((value) => el("option", { value }, value)))
      : el("input", { id, dataset: { path: field.path }, placeholder: field.type + (field.pattern ? ` ${field.pattern}` : "") });
    input.value = field.example ?? "";
    nodes.push(el("label", { for: id, class: field.required ? "required" : "" }, field.path), input);
  }
  if (!nodes.length) nodes.push(el("span", { class: "hint" }, "This Service Request has no body fields to fill."), el("span"));
  $("#send-fields").replaceChildren(...nodes);
}

$("#send-variant").addEventListener("change", loadForm);
for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener("change", () => {
    const xml = $('input[name="mode"]:checked').value === "xml";
    $("#send-xml").hidden = !xml;
    $("#send-fields").hidden = xml;
  });
}

$("#send-form").addEventListener("submit", async (submitted) => {
  submitted.preventDefault();
  const ask = { user: $("#send-user").value };
  if ($('input[name="mode"]:checked').value === "xml") {
    ask.xml = $("#send-xml").value;
  } else {
    ask.variant = $("#send-variant").value;
    ask.device = $("#send-device").value || null;
    ask.values = {};
    for (const input of document.querySelectorAll("#send-fields [data-path]")) {
      if (input.value !== state.examples[input.dataset.path]) ask.values[input.dataset.path] = input.value;
    }
  }
  const result = $("#send-result");
  result.replaceChildren(el("p", { class: "empty" }, "sending…"));
  try {
    const answer = await getJson("api/send", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(ask) });
    result.replaceChildren(el("div", { class: `outcome${(answer.code || "").startsWith("E") ? " error" : ""}`, id: "send-answer" },
      `${answer.request_id}: HTTP ${answer.http_status} `, el("b", {}, answer.code || ""),
      answer.transformed ? " (after the transform route: Pre-Command signed and sent back as CV 5)" : "",
      answer.code ? "" : el("div", {}, answer.answer.split("\n")[0].slice(0, 300))));
    $("#filter-request").value = "";
    applyFilters();
  } catch (error) {
    result.replaceChildren(el("div", { class: "outcome error", id: "send-answer" }, error.message));
  }
});

// --- inbox ----------------------------------------------------------------------------------------------

async function loadInbox() {
  const inbox = await getJson("api/inbox");
  $("#inbox-count").textContent = inbox.messages.length ? `(${inbox.messages.length})` : "";
  $("#inbox tbody").replaceChildren(...inbox.messages.map((m) => el("tr", {
    dataset: { row: m.id, kind: m.kind, code: m.code || "" }, onclick: () => openMessage("outbox", m.id) },
    el("td", {}, m.id), el("td", {}, dashed(m.user)), el("td", {}, m.kind), el("td", {}, m.code || ""),
    el("td", {}, m.request_id || ""), el("td", {}, m.status))));
}

let inboxTimer = null;
function refreshInboxCount() {
  clearTimeout(inboxTimer);
  inboxTimer = setTimeout(loadInbox, 300);
}

// The estate first (device kinds name the lanes), then the live flow.
loadSendChoices()
  .catch((error) => { $("#send-result").textContent = `cannot load the catalogue: ${error.message}`; })
  .finally(connect);
loadInbox();
setInterval(async () => {
  try { $("#clock").textContent = (await getJson("/admin/clock")).now; } catch (error) { /* shown by the stream */ }
}, 5000);
