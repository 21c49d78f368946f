// The interlace chat page. Everything goes through the documented JSON API under /api/
// (docs/web.md); every text from a model, a tool or a document is set with textContent
// or rendered by markdown.js into DOM nodes, never parsed as HTML.
import { renderMarkdown } from "./markdown.js";

const $ = (id) => document.getElementById(id);
const state = { agents: [], agent: "", thread: null, run: null, stores: [] };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- talking to the server --------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { "X-Interlace-Page": "1", ...(options.headers || {}) };
  if (typeof options.body === "string") headers["Content-Type"] = "application/json";
  const response = await fetch(path, { ...options, headers, credentials: "same-origin" });
  if (response.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error("this server needs its token: sign in");
  }
  if (!response.ok) throw new Error(await errorText(response));
  return response;
}

async function errorText(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

async function getJSON(path) {
  return (await api(path)).json();
}

/** The JSON events of a Server-Sent Events response, as they arrive. */
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data) yield JSON.parse(data);
    }
  }
}

// --- rendering a conversation -----------------------------------------------------------

function seconds(value) {
  return value < 10 ? `${value.toFixed(2)} s` : `${value.toFixed(1)} s`;
}

function pretty(value) {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

function messageText(message) {
  if (message.content === null || message.content === undefined) return "";
  if (typeof message.content === "string") return message.content;
  return message.content.filter((part) => part.type === "text").map((part) => part.text).join("");
}

function citationButton(ref, claim) {
  const button = el("button", "cite");
  button.type = "button";
  const [path, heading = ""] = ref.split(" § ");
  const file = path.split(/[\\/]/).pop();
  button.textContent = heading ? `${file} § ${heading.split(" > ").pop()}` : file;
  button.title = `Open the cited passage: ${ref}`;
  button.dataset.ref = ref;
  button.dataset.claim = claim;
  button.addEventListener("click", () => openCitation(button));
  return button;
}

function markdown(text) {
  return renderMarkdown(text, { onCitation: citationButton });
}

function addUser(text) {
  $("empty").hidden = true;
  const turn = el("article", "turn user");
  turn.append(el("div", "bubble", text));
  $("log").append(turn);
  scrollDown();
}

function scrollDown() {
  const log = $("log");
  log.scrollTop = log.scrollHeight;
}

/** One assistant turn: answer text, steps and approvals in the order they happen. */
class Turn {
  constructor(unit) {
    $("empty").hidden = true;
    this.unit = unit;
    this.node = el("article", "turn assistant");
    this.node.setAttribute("aria-busy", "true");
    $("log").append(this.node);
    this.steps = new Map();
    this.nodes = [];
    this.segment = null;
    this.text = "";
    this.speaker = null;
    this.streamed = false;
    this.pending = 0;
  }

  container() {
    const open = this.nodes.at(-1);
    return open ? open.body : this.node;
  }

  speak(agent) {
    if (agent && agent !== this.speaker && agent !== this.unit) {
      this.node.append(el("div", "speaker", agent));
      this.segment = null;
    }
    this.speaker = agent;
  }

  addText(agent, text) {
    this.speak(agent);
    if (!this.segment) {
      this.segment = el("div", "answer");
      this.node.append(this.segment);
      this.text = "";
    }
    this.text += text;
    this.streamed = true;
    if (!this.pending) this.pending = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.pending = 0;
    if (this.segment) this.segment.replaceChildren(markdown(this.text));
    scrollDown();
  }

  step(kind, title, open = false) {
    this.flush();
    this.segment = null;
    const details = el("details", `step ${kind}`);
    details.open = open;
    const summary = el("summary");
    const name = el("span", "step-name", title);
    const status = el("span", "step-status", "running…");
    summary.append(name, status);
    const body = el("div", "step-body");
    details.append(summary, body);
    this.container().append(details);
    scrollDown();
    return { details, status, body };
  }

  toolCall(event) {
    const step = this.step("tool", `${event.call.name}`);
    step.body.append(el("div", "label", "arguments"), el("pre", "args", pretty(event.call.arguments)));
    step.started = event.t;
    this.steps.set(event.call.id, step);
  }

  toolResult(event) {
    const result = event.result;
    let step = this.steps.get(result.tool_call_id);
    if (!step) step = this.step("tool", result.name);
    const elapsed = step.started === undefined ? null : event.t - step.started;
    step.status.textContent = (result.is_error ? "failed" : "done") +
      (elapsed === null ? "" : ` · ${seconds(elapsed)}`);
    if (result.is_error) step.details.classList.add("error");
    step.body.append(el("div", "label", "result"), el("pre", "result", toolText(result)));
  }

  nodeEnter(event) {
    if (event.node === this.unit) return;
    const step = this.step("node", event.node, true);
    step.started = event.t;
    step.name = event.node;
    this.nodes.push(step);
  }

  nodeExit(event) {
    const index = this.nodes.findLastIndex((step) => step.name === event.node);
    if (index < 0) return;
    const [step] = this.nodes.splice(index, 1);
    step.status.textContent = `done · ${seconds(event.t - step.started)}`;
    step.details.open = false;
  }

  note(text, kind = "note") {
    this.flush();
    this.node.append(el("p", kind, text));
    scrollDown();
  }

  approval(pending, onDecision) {
    this.flush();
    this.segment = null;
    const card = el("div", "approval");
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", "Approval needed");
    card.append(el("p", "approval-title", "Approval needed before this tool runs:"));
    for (const request of pending) {
      card.append(el("div", "approval-call", request.call.name), el("pre", "args", pretty(request.call.arguments)));
    }
    const actions = el("div", "approval-actions");
    const approve = el("button", "approve", "Approve");
    approve.type = "button";
    const reason = el("input", "reason");
    reason.placeholder = "Reason (sent to the agent if you reject)";
    reason.setAttribute("aria-label", "Reason for rejecting");
    const reject = el("button", "reject", "Reject");
    reject.type = "button";
    actions.append(approve, reason, reject);
    card.append(actions);
    const decide = (decision, label) => {
      for (const control of [approve, reason, reject]) control.disabled = true;
      card.classList.add("decided");
      card.append(el("p", "decision", label));
      onDecision(decision);
    };
    approve.addEventListener("click", () => decide({ action: "approve" }, "Approved."));
    reject.addEventListener("click", () => {
      const why = reason.value.trim();
      decide({ action: "reject", reason: why }, why ? `Rejected: ${why}` : "Rejected.");
    });
    reason.addEventListener("keydown", (event) => {
      if (event.key === "Enter") reject.click();
    });
    this.node.append(card);
    scrollDown();
    approve.focus();
  }

  done(event) {
    const result = event.result;
    if (!this.streamed && result.output && result.stop_reason !== "interrupted") {
      this.addText(result.agent, result.output);
    }
    this.flush();
    if (!["final", "interrupted"].includes(result.stop_reason)) {
      this.note(`Stopped: ${result.stop_reason}${result.detail ? ` (${result.detail})` : ""}`, "warning");
    } else if (result.stop_reason === "final") {
      const tokens = result.usage.input_tokens + result.usage.output_tokens;
      this.node.append(el("p", "meta", `${tokens} tokens · ${seconds(event.t)}`));
    }
  }

  finish() {
    this.flush();
    this.node.setAttribute("aria-busy", "false");
  }
}

function toolText(result) {
  if (typeof result.content === "string") return result.content;
  return (result.content || []).map((part) => (part.type === "text" ? part.text : `[${part.type}]`)).join("");
}

// --- running ----------------------------------------------------------------------------

function setRunning(controller) {
  state.run = controller;
  $("send").hidden = Boolean(controller);
  $("stop").hidden = !controller;
  $("agent").disabled = Boolean(controller);
}

async function stream(path, body, turn) {
  const controller = new AbortController();
  setRunning(controller);
  try {
    const response = await api(path, { method: "POST", body: JSON.stringify(body), signal: controller.signal });
    for await (const event of events(response)) handle(event, turn);
  } catch (error) {
    if (error.name === "AbortError") turn.note("Stopped: you stopped this run.", "warning");
    else turn.note(`Error: ${error.message}`, "error");
  } finally {
    turn.finish();
    setRunning(null);
    refreshThreads();
  }
}

function handle(event, turn) {
  switch (event.type) {
    case "run":
      if (state.thread !== event.thread_id) {
        state.thread = event.thread_id;
        remember();
      }
      break;
    case "text":
      turn.addText(event.agent, event.text);
      break;
    case "tool_call":
      turn.toolCall(event);
      break;
    case "tool_result":
      turn.toolResult(event);
      break;
    case "node_enter":
      turn.nodeEnter(event);
      break;
    case "node_exit":
      turn.nodeExit(event);
      break;
    case "interrupt":
      turn.approval(event.pending, (decision) => resume(turn, decision));
      break;
    case "done":
      turn.done(event);
      break;
    case "error":
      turn.note(`Error: ${event.message}`, "error");
      break;
    default:
      break;
  }
}

function send(text) {
  addUser(text);
  const turn = new Turn(state.agent);
  const body = { agent: state.agent, message: text };
  if (state.thread) body.thread_id = state.thread;
  return stream("/api/runs", body, turn);
}

function resume(turn, decision) {
  turn.node.setAttribute("aria-busy", "true");
  const body = { agent: state.agent, thread_id: state.thread, decision };
  return stream("/api/runs/resume", body, turn);
}

// --- threads ----------------------------------------------------------------------------

function remember() {
  const query = new URLSearchParams();
  if (state.agent) query.set("agent", state.agent);
  if (state.thread) query.set("thread", state.thread);
  history.replaceState(null, "", `/?${query}`);
  for (const item of document.querySelectorAll("#threads button")) {
    item.setAttribute("aria-current", item.dataset.id === state.thread ? "true" : "false");
  }
}

function when(iso) {
  const date = new Date(iso);
  const minutes = Math.round((Date.now() - date.getTime()) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  return date.toLocaleString();
}

async function refreshThreads() {
  let threads = [];
  try {
    threads = (await getJSON("/api/threads")).threads;
  } catch (error) {
    $("threads").replaceChildren(el("li", "error", error.message));
    return;
  }
  const items = threads.map((thread) => {
    const item = el("li");
    const button = el("button", "thread");
    button.type = "button";
    button.dataset.id = thread.id;
    button.append(el("span", "thread-title", thread.title), el("span", "thread-meta",
      `${thread.agent || "?"} · ${when(thread.updated)}${thread.waiting ? " · waiting for approval" : ""}`));
    button.setAttribute("aria-current", thread.id === state.thread ? "true" : "false");
    button.addEventListener("click", () => openThread(thread.id));
    item.append(button);
    return item;
  });
  $("threads").replaceChildren(...(items.length ? items : [el("li", "muted", "No threads yet.")]));
}

function clearLog() {
  $("log").replaceChildren($("empty"));
  $("empty").hidden = false;
}

async function openThread(id) {
  if (state.run) return;
  let thread;
  try {
    thread = await getJSON(`/api/threads/${encodeURIComponent(id)}`);
  } catch (error) {
    clearLog();
    new Turn(state.agent).note(`Cannot open thread ${id}: ${error.message}`, "error");
    return;
  }
  if (thread.agent && state.agents.some((agent) => agent.name === thread.agent)) {
    state.agent = thread.agent;
    $("agent").value = thread.agent;
  }
  state.thread = thread.id;
  remember();
  clearLog();
  replay(thread);
  closeSidebar();
  $("prompt").focus();
}

function replay(thread) {
  let turn = null;
  for (const message of thread.messages) {
    if (message.role === "user") {
      turn?.finish();
      turn = null;
      addUser(messageText(message));
      continue;
    }
    turn = turn || new Turn(thread.agent);
    if (message.role === "assistant") {
      for (const call of message.tool_calls || []) turn.toolCall({ call });
      const text = messageText(message);
      if (text) turn.addText(message.name || thread.agent, text);
    } else if (message.role === "tool") {
      turn.toolResult({ result: { tool_call_id: message.tool_call_id, name: message.name || "tool",
        content: message.content, is_error: false } });
    }
  }
  if (thread.pending.length) {
    turn = turn || new Turn(thread.agent);
    const current = turn;
    turn.approval(thread.pending, (decision) => resume(current, decision));
  }
  turn?.finish();
}

function newThread() {
  if (state.run) return;
  state.thread = null;
  remember();
  clearLog();
  closeSidebar();
  $("prompt").focus();
}

// --- citations and documents ------------------------------------------------------------

async function openCitation(button) {
  const viewer = $("viewer");
  const body = $("viewer-body");
  $("viewer-title").textContent = "Cited passage";
  body.replaceChildren(el("p", "muted", "Loading the passage…"));
  viewer.returnTo = button;
  if (!viewer.open) viewer.showModal();
  try {
    const query = new URLSearchParams({ ref: button.dataset.ref, claim: button.dataset.claim });
    showPassage(await getJSON(`/api/citation?${query}`));
  } catch (error) {
    body.replaceChildren(el("p", "error", error.message));
  }
}

function showPassage(passage) {
  const body = $("viewer-body");
  const where = [passage.heading && `§ ${passage.heading}`, passage.page && `page ${passage.page}`]
    .filter(Boolean).join(" · ");
  const quote = el("blockquote", "passage");
  for (const segment of passage.segments) {
    quote.append(segment.cited ? el("mark", "", segment.text) : document.createTextNode(segment.text));
  }
  const open = el("button", "", "Show the whole document");
  open.type = "button";
  open.addEventListener("click", () => showDocument(passage));
  body.replaceChildren(
    el("p", "doc-title", passage.title || passage.source.split(/[\\/]/).pop()),
    el("p", "doc-source", passage.source),
    el("p", "doc-where", where),
    quote,
    open,
  );
  body.querySelector("mark")?.scrollIntoView({ block: "nearest" });
}

async function showDocument(passage) {
  const body = $("viewer-body");
  const query = new URLSearchParams({ source: passage.source });
  let found;
  try {
    found = await getJSON(`/api/stores/${encodeURIComponent(passage.store)}/document?${query}`);
  } catch (error) {
    body.append(el("p", "error", error.message));
    return;
  }
  $("viewer-title").textContent = found.title || "Document";
  const sections = found.chunks.map((chunk) => {
    const section = el("section", chunk.id === passage.chunk_id ? "chunk cited" : "chunk");
    if (chunk.heading) section.append(el("h3", "", chunk.heading));
    section.append(el("div", "chunk-text", chunk.text));
    return section;
  });
  body.replaceChildren(el("p", "doc-source", found.source), ...sections);
  body.querySelector(".cited")?.scrollIntoView({ block: "center" });
}

async function loadStores() {
  try {
    state.stores = (await getJSON("/api/stores")).stores;
  } catch {
    state.stores = [];
  }
  $("docs").hidden = state.stores.length === 0;
  $("store").replaceChildren(...state.stores.map((store) => new Option(store.name, store.name)));
  $("store").parentElement.hidden = state.stores.length < 2;
  if (state.stores.length) refreshDocuments();
}

async function refreshDocuments() {
  const store = $("store").value;
  if (!store) return;
  try {
    const { documents } = await getJSON(`/api/stores/${encodeURIComponent(store)}/documents`);
    $("doc-count").textContent = String(documents.length);
    $("doclist").replaceChildren(...documents.map((doc) => {
      const item = el("li", "", doc.source.split(/[\\/]/).pop());
      item.title = `${doc.source} · ${doc.chunks} chunks`;
      return item;
    }));
  } catch (error) {
    $("doclist").replaceChildren(el("li", "error", error.message));
  }
}

const OUTCOME = {
  added: (r) => `added · ${r.chunks_added} chunks`,
  updated: (r) => `updated · +${r.chunks_added} −${r.chunks_removed} chunks`,
  unchanged: () => "unchanged: already in the store",
  skipped: (r) => `skipped: ${r.reason}`,
};

function uploadOne(file, store) {
  const row = el("li", "upload");
  const name = el("span", "upload-name", file.name);
  const bar = el("progress");
  bar.max = Math.max(file.size, 1);
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload of ${file.name}`);
  const status = el("span", "upload-status", "uploading…");
  row.append(name, bar, status);
  $("uploads").append(row);
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    const query = new URLSearchParams({ name: file.name });
    request.open("POST", `/api/stores/${encodeURIComponent(store)}/files?${query}`);
    request.setRequestHeader("X-Interlace-Page", "1");
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = event.loaded * (bar.max / Math.max(event.total, 1));
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value");
      status.textContent = "ingesting…";
    });
    const end = (text, kind) => {
      bar.max = 1;
      bar.value = 1;
      status.textContent = text;
      row.classList.add(kind);
      row.dataset.status = kind;
      resolve();
    };
    request.addEventListener("load", () => {
      let data = {};
      try {
        data = JSON.parse(request.responseText);
      } catch {
        data = {};
      }
      if (request.status === 401) location.href = "/login";
      if (request.status >= 400) end(`failed: ${data.error?.message || request.statusText}`, "failed");
      else end(OUTCOME[data.status](data), data.status);
    });
    request.addEventListener("error", () => end("failed: the connection broke", "failed"));
    request.send(file);
  });
}

async function uploadFiles(files) {
  const store = $("store").value;
  if (!store || !files.length) return;
  for (const file of files) await uploadOne(file, store);
  refreshDocuments();
}

function setupDropping() {
  let depth = 0;
  const target = $("droptarget");
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  document.addEventListener("dragenter", (event) => {
    if (!hasFiles(event) || !state.stores.length) return;
    depth += 1;
    target.hidden = false;
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) target.hidden = true;
  });
  document.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    target.hidden = true;
    if (state.stores.length) uploadFiles([...event.dataTransfer.files]);
  });
  $("files").addEventListener("change", (event) => {
    uploadFiles([...event.target.files]);
    event.target.value = "";
  });
}

// --- page chrome ------------------------------------------------------------------------

function setupTheme() {
  const saved = localStorage.getItem("interlace-theme");
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = saved || (dark ? "dark" : "light");
  $("theme").addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("interlace-theme", next);
  });
}

function closeSidebar() {
  document.body.classList.remove("show-side");
  $("menu").setAttribute("aria-expanded", "false");
}

function setupChrome() {
  $("menu").addEventListener("click", () => {
    const shown = document.body.classList.toggle("show-side");
    $("menu").setAttribute("aria-expanded", String(shown));
    if (shown) $("new-thread").focus();
  });
  $("new-thread").addEventListener("click", newThread);
  $("store").addEventListener("change", refreshDocuments);
  $("agent").addEventListener("change", () => {
    state.agent = $("agent").value;
    localStorage.setItem("interlace-agent", state.agent);
    newThread();
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("prompt").value.trim();
    if (!text || state.run || !state.agent) return;
    $("prompt").value = "";
    send(text);
  });
  $("prompt").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("stop").addEventListener("click", () => state.run?.abort());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.run && !$("viewer").open) state.run.abort();
  });
  $("viewer").addEventListener("close", () => $("viewer").returnTo?.focus());
}

async function start() {
  setupTheme();
  setupChrome();
  setupDropping();
  const params = new URLSearchParams(location.search);
  try {
    state.agents = (await getJSON("/api/agents")).agents;
  } catch (error) {
    new Turn("").note(`Cannot list the agents: ${error.message}`, "error");
    return;
  }
  $("agent").replaceChildren(...state.agents.map((agent) => {
    const option = new Option(agent.name, agent.name);
    option.title = agent.description;
    return option;
  }));
  const names = state.agents.map((agent) => agent.name);
  const wanted = [params.get("agent"), localStorage.getItem("interlace-agent")];
  state.agent = wanted.find((name) => name && names.includes(name)) || names[0] || "";
  $("agent").value = state.agent;
  loadStores();
  await refreshThreads();
  if (params.get("thread")) await openThread(params.get("thread"));
  document.body.dataset.ready = "true";
  $("prompt").focus();
}

start();
