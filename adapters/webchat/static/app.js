// The web chat page: pick a technician, talk to the bot, click Approve/Edit/Cancel, watch #demo.
// Message bodies arrive as HTML rendered (and escaped) by the server; everything this script
// writes itself goes in through textContent.
"use strict";

const SUGGESTIONS = [
  "my tickets",
  "open high-priority tickets for Contoso",
  "how many tickets were completed last week",
  "who am i",
  "help",
];
const state = { token: null, session: null, active: null, unread: {}, source: null };
const $ = (id) => document.getElementById(id);

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch (_) {
    return null;
  }
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (response.status === 401 && state.session && !options.retried) {
    await openSession(state.session.email);
    return api(path, { ...options, retried: true });
  }
  if (!response.ok) {
    throw new Error((data && data.error) || "The server answered " + response.status + ".");
  }
  return data;
}

function toast(text) {
  const item = document.createElement("p");
  item.className = "toast";
  item.textContent = text;
  $("toasts").appendChild(item);
  setTimeout(() => item.remove(), 8000);
}

// -- picking a technician ---------------------------------------------------------------

async function loadTechnicians() {
  const select = $("tech");
  try {
    const data = await api("/webchat/api/technicians");
    select.textContent = "";
    for (const person of data.technicians) {
      const option = document.createElement("option");
      option.value = person.email;
      option.textContent = person.name + " — " + person.email;
      select.appendChild(option);
    }
    const remembered = localStorage.getItem("atbot.email");
    const wanted = [remembered, data.suggested].find(
      (email) => email && data.technicians.some((p) => p.email === email),
    );
    if (wanted) select.value = wanted;
  } catch (error) {
    showPickError(error.message);
  }
}

function showPickError(text) {
  const box = $("pick-error");
  box.textContent = text;
  box.hidden = false;
}

async function openSession(email) {
  state.token = null;
  const session = await api("/webchat/api/session", { method: "POST", body: { email } });
  state.token = session.token;
  state.session = session;
  localStorage.setItem("atbot.email", session.email);
  return session;
}

async function start(email) {
  $("start").disabled = true;
  try {
    const session = await openSession(email);
    $("me").textContent = session.name;
    $("mode").textContent = session.mode === "model" ? "Language model" : "Command mode";
    $("whoami").hidden = false;
    $("picker").hidden = true;
    $("chat").hidden = false;
    renderTabs();
    connect();
    await selectConversation(session.conversations[0].id);
  } catch (error) {
    showPickError(error.message);
  } finally {
    $("start").disabled = false;
  }
}

// -- conversations ------------------------------------------------------------------------

function renderTabs() {
  const tabs = $("tabs");
  tabs.textContent = "";
  for (const conversation of state.session.conversations) {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.className = "tab";
    tab.id = "tab-" + conversation.id;
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", "log");
    tab.dataset.conversation = conversation.id;
    const label = document.createElement("span");
    label.textContent = conversation.title;
    const badge = document.createElement("span");
    badge.className = "unread";
    badge.hidden = true;
    tab.append(label, badge);
    tab.addEventListener("click", () => selectConversation(conversation.id));
    tabs.appendChild(tab);
  }
}

function conversationById(id) {
  return state.session.conversations.find((c) => c.id === id);
}

async function selectConversation(id) {
  state.active = id;
  state.unread[id] = 0;
  for (const tab of document.querySelectorAll(".tab")) {
    const selected = tab.dataset.conversation === id;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) tab.querySelector(".unread").hidden = true;
  }
  const conversation = conversationById(id);
  $("conversation-title").textContent = conversation.title;
  $("topic").textContent = conversation.topic || "Only you and the bot see this conversation.";
  $("log").textContent = "";
  const data = await api("/webchat/api/history?conversation=" + encodeURIComponent(id));
  for (const message of data.messages) appendMessage(message);
  if (!data.messages.length) appendIntro(conversation);
  $("composer").focus();
}

function markUnread(id) {
  state.unread[id] = (state.unread[id] || 0) + 1;
  const badge = document.querySelector("#tab-" + CSS.escape(id) + " .unread");
  if (badge) {
    badge.textContent = String(state.unread[id]);
    badge.hidden = false;
    badge.setAttribute("aria-label", state.unread[id] + " new");
  }
}

// -- messages -------------------------------------------------------------------------------

function messageElement(message) {
  const item = document.createElement("li");
  item.className = "msg msg-" + message.author;
  item.id = "msg-" + message.id;
  item.dataset.id = message.id;
  const meta = document.createElement("div");
  meta.className = "msg-meta";
  const author = document.createElement("span");
  author.className = "msg-author";
  author.textContent = message.name;
  const time = document.createElement("time");
  time.dateTime = message.at;
  time.textContent = new Date(message.at).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
  meta.append(author, time);
  const body = document.createElement("div");
  body.className = "msg-body";
  body.innerHTML = message.html; // rendered and escaped by the server
  item.append(meta, body);
  return item;
}

function appendMessage(message) {
  const log = $("log");
  if (document.getElementById("msg-" + message.id)) return;
  log.appendChild(messageElement(message));
  log.scrollTop = log.scrollHeight;
}

function appendIntro(conversation) {
  const item = document.createElement("li");
  item.className = "msg msg-intro";
  item.textContent =
    conversation.kind === "channel"
      ? "New tickets are posted here as they arrive. Everyone chatting with the bot sees this channel."
      : "Ask about your Autotask: try one of the suggestions below, or type help for the commands.";
  $("log").appendChild(item);
}

function appendNotice(text) {
  const item = document.createElement("li");
  item.className = "msg msg-notice";
  item.textContent = text;
  $("log").appendChild(item);
  $("log").scrollTop = $("log").scrollHeight;
}

function onEvent(event) {
  if (event.type === "ready") {
    if (state.active) selectConversation(state.active);
    return;
  }
  if (event.type === "typing") {
    if (event.conversation === state.active) showTyping();
    return;
  }
  if (event.type === "notice") {
    toast(event.text);
    if (event.conversation === state.active) appendNotice(event.text);
    return;
  }
  const message = event.message;
  if (message.author === "bot") hideTyping();
  if (event.type === "message") {
    if (message.conversation === state.active) appendMessage(message);
    else markUnread(message.conversation);
  } else if (event.type === "update") {
    const existing = document.getElementById("msg-" + message.id);
    if (existing) {
      existing.replaceWith(messageElement(message));
      toast("A card was updated.");
    }
  }
}

let typingTimer = null;
function showTyping() {
  $("typing").hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, 15000);
}
function hideTyping() {
  $("typing").hidden = true;
  clearTimeout(typingTimer);
}

function connect() {
  if (state.source) state.source.close();
  const source = new EventSource("/webchat/api/events?token=" + encodeURIComponent(state.token));
  source.onmessage = (message) => onEvent(JSON.parse(message.data));
  source.onerror = async () => {
    if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects by itself
    try {
      await openSession(state.session.email); // the server restarted: a new session
      connect();
    } catch (_) {
      toast("Lost the connection to the bot; reload the page to try again.");
    }
  };
  state.source = source;
}

async function send(text) {
  const clean = text.trim();
  if (!clean) return;
  $("composer").value = "";
  try {
    await api("/webchat/api/messages", {
      method: "POST",
      body: { conversation: state.active, text: clean, timezone: browserZone() },
    });
  } catch (error) {
    toast(error.message);
    $("composer").value = clean;
  }
}

// -- Edit: the change's planned fields in a form under its card ---------------------------

function editField(field) {
  const row = document.createElement("label");
  row.className = "edit-field";
  const caption = document.createElement("span");
  caption.textContent = field.label + (field.required ? " *" : "");
  row.appendChild(caption);
  let input;
  if (field.kind === "choice") {
    input = document.createElement("select");
    for (const choice of field.choices) {
      const option = document.createElement("option");
      option.value = choice.value;
      option.textContent = choice.label;
      option.selected = choice.value === field.value;
      input.appendChild(option);
    }
  } else {
    input = document.createElement(field.kind === "multiline" ? "textarea" : "input");
    input.value = field.value || "";
    if (field.hint) input.placeholder = field.hint;
  }
  input.name = field.name;
  input.required = field.required;
  row.appendChild(input);
  return row;
}

async function openEditor(button, message) {
  const card = button.closest(".card");
  if (card.querySelector("form.edit")) return;
  let data;
  try {
    data = await api("/webchat/api/edit/form", {
      method: "POST",
      body: { conversation: state.active, plan_id: button.dataset.plan },
    });
  } catch (error) {
    toast(error.message);
    return;
  }
  const form = document.createElement("form");
  form.className = "edit";
  form.setAttribute("aria-label", data.form.title);
  for (const field of data.form.fields) form.appendChild(editField(field));
  const error = document.createElement("p");
  error.className = "edit-error";
  error.setAttribute("role", "alert");
  form.appendChild(error);
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Preview";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.addEventListener("click", () => form.remove());
  form.append(submit, close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {};
    for (const field of data.form.fields) values[field.name] = form.elements[field.name].value;
    submit.disabled = true;
    try {
      await api("/webchat/api/edit", {
        method: "POST",
        body: {
          conversation: state.active,
          message_id: message.dataset.id,
          plan_id: button.dataset.plan,
          values,
        },
      });
      form.remove();
    } catch (failure) {
      error.textContent = failure.message;
      submit.disabled = false;
    }
  });
  card.appendChild(form);
  const first = form.querySelector("input, textarea, select");
  if (first) first.focus();
}

async function onCardClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const message = button.closest(".msg");
  if (button.dataset.action === "edit") {
    await openEditor(button, message);
    return;
  }
  if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
  const buttons = button.closest(".card").querySelectorAll("button[data-action]");
  for (const each of buttons) each.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await api("/webchat/api/click", {
      method: "POST",
      body: {
        conversation: state.active,
        message_id: message.dataset.id,
        action: button.dataset.action,
        plan_id: button.dataset.plan,
        timezone: browserZone(),
      },
    });
  } catch (error) {
    toast(error.message);
    for (const each of buttons) each.disabled = false;
  }
}

function onTabKey(event) {
  const tabs = [...document.querySelectorAll(".tab")];
  const index = tabs.indexOf(document.activeElement);
  if (index < 0 || !["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight"].includes(event.key)) return;
  event.preventDefault();
  const step = event.key === "ArrowDown" || event.key === "ArrowRight" ? 1 : -1;
  const next = tabs[(index + step + tabs.length) % tabs.length];
  next.focus();
  selectConversation(next.dataset.conversation);
}

function setup() {
  for (const text of SUGGESTIONS) {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.textContent = text;
    chip.addEventListener("click", () => send(text));
    $("suggestions").appendChild(chip);
  }
  $("pick-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if ($("tech").value) start($("tech").value);
  });
  $("composer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send($("composer").value);
  });
  $("composer").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send($("composer").value);
    }
  });
  $("log").addEventListener("click", onCardClick);
  $("tabs").addEventListener("keydown", onTabKey);
  $("switch").addEventListener("click", () => {
    if (state.source) state.source.close();
    state.token = null;
    state.session = null;
    $("chat").hidden = true;
    $("whoami").hidden = true;
    $("picker").hidden = false;
    $("tech").focus();
  });
  loadTechnicians();
}

document.addEventListener("DOMContentLoaded", setup);
