/* The live room and the room display, kept up to date over the Socket.IO namespace /live.
 *
 * The page carries its words and settings in <script id="live-config">; this script
 * has no user-facing text of its own. It asks the server for a snapshot ("sync"),
 * then applies "event" messages in sequence order. On a reconnect, or when a
 * sequence number is skipped, it asks for what it missed and says what changed.
 * Timers are computed from the server's clock (offset = server_time - Date.now()),
 * so every screen in the room shows the same time.
 */
(function () {
  "use strict";

  var configNode = document.getElementById("live-config");
  if (!configNode || typeof io !== "function") return;
  var cfg = JSON.parse(configNode.textContent);
  var T = cfg.strings;
  var DISPLAY = cfg.mode === "display";
  var ACK_TIMEOUT_MS = 10000;

  // --- small helpers ------------------------------------------------------------------

  function byId(id) { return document.getElementById(id); }

  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function plural(forms, n, values) {
    var v = values || {};
    v.count = n;
    return fmt(n === 1 ? forms.one : forms.other, v);
  }

  /* h("div", {class: "x", text: "y", onclick: fn, dataset: {a: 1}}, child, ...): text is
     always set with textContent, so nothing a person typed is ever parsed as markup. */
  function h(tag, attrs) {
    var node = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (key) {
      var value = a[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }

  function icon(name) { return h("i", {class: "bi bi-" + name, "aria-hidden": "true"}); }

  function fill(node, children) {
    if (!node) return;
    node.textContent = "";
    append(node, children);
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function parseTime(iso) {
    if (!iso) return null;
    // Python writes microseconds; keep milliseconds for every browser's parser.
    var t = Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1"));
    return isNaN(t) ? null : t;
  }

  var clockFormat = new Intl.DateTimeFormat(cfg.locale === "vi" ? "vi-VN" : "en-GB", {
    timeZone: cfg.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });

  function clock(ms) { return ms === null ? "" : clockFormat.format(new Date(ms)); }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function duration(seconds) {
    var s = Math.floor(Math.abs(seconds));
    var hours = Math.floor(s / 3600);
    var minutes = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    return (hours ? hours + ":" + pad(minutes) : pad(minutes)) + ":" + pad(rest);
  }

  var offset = 0;
  function serverNow() { return Date.now() + offset; }
  function noteServerTime(iso) {
    var t = parseTime(iso);
    if (t !== null) offset = t - Date.now();
  }

  // --- state --------------------------------------------------------------------------

  var S = {
    seq: null, viewer: null, conference: null, agenda: null, presence: null, floor: null,
    chat: [], connections: null, adoption: null, directives: null
  };

  function can(what) { return !!(S.viewer && S.viewer.can && S.viewer.can[what]); }
  function isLive() { return !!S.conference && S.conference.status === "live"; }

  function elapsedOf(item, now) {
    var running = item.run_started_at ? Math.max(0, (now - parseTime(item.run_started_at)) / 1000) : 0;
    return item.elapsed_seconds + running;
  }

  function currentItem() {
    if (!S.agenda || !S.agenda.current_item_id) return null;
    return itemById(S.agenda.current_item_id);
  }

  function itemById(id) {
    var items = S.agenda ? S.agenda.items : [];
    for (var i = 0; i < items.length; i++) if (items[i].id === id) return items[i];
    return null;
  }

  function nextPendingItem() {
    var items = S.agenda ? S.agenda.items : [];
    var current = currentItem();
    var after = current ? current.position : -Infinity;
    for (var i = 0; i < items.length; i++) {
      if (items[i].status === "pending" && items[i].position > after) return items[i];
    }
    for (var j = 0; j < items.length; j++) if (items[j].status === "pending") return items[j];
    return null;
  }

  /* The same projection the server makes, recomputed every second so an overrunning
     item pushes the later ones (and the projected end) forward on every screen. */
  function projections(now) {
    var out = {items: {}, end: null};
    if (!S.agenda || !S.conference) return out;
    var live = isLive();
    var cursor = parseTime(S.conference.starts_at);
    S.agenda.items.forEach(function (item) {
      var start, end;
      if (item.status === "done" || item.status === "skipped") {
        start = parseTime(item.started_at);
        if (start === null) start = cursor;
        end = parseTime(item.ended_at);
        if (end === null) end = start;
      } else if (item.status === "running" || item.status === "paused") {
        start = parseTime(item.started_at);
        if (start === null) start = now;
        end = now + Math.max(0, item.planned_seconds - elapsedOf(item, now)) * 1000;
      } else {
        start = live ? Math.max(cursor, now) : cursor;
        end = start + item.planned_seconds * 1000;
      }
      cursor = end;
      out.items[item.id] = {start: start, end: end};
    });
    out.end = cursor;
    return out;
  }

  function isMine(request) {
    var v = S.viewer;
    if (!v || !request) return false;
    if (v.site_id) return request.site_id === v.site_id;
    return request.site_id === null && request.user_id === v.user_id;
  }

  /* A site still "reconnecting" a minute after it dropped is away (the server says so on
     its next presence event; the board must not wait for one). */
  function siteState(site, now) {
    if (site.state === "reconnecting") {
      var since = parseTime(site.since);
      if (since !== null && now - since > cfg.reconnect_grace_seconds * 1000) return "away";
    }
    return site.state;
  }

  // --- the socket ---------------------------------------------------------------------

  var socket = io("/live", {auth: {conference_id: cfg.conference_id}});
  var syncing = false;
  var resyncWanted = false;
  var buffered = [];
  var hadConnected = false;
  var cutOff = false;

  function call(name, payload) {
    return new Promise(function (resolve) {
      // Never queue an action for later: sent after a reconnect, it would act on a state the
      // person no longer sees. Sync runs by itself on every connect.
      if (!socket.connected) { resolve({ok: false, code: "offline", message: T.not_connected}); return; }
      socket.timeout(ACK_TIMEOUT_MS).emit(name, payload || {}, function (err, ack) {
        if (err) resolve({ok: false, code: "timeout", message: T.no_answer});
        else resolve(ack || {ok: false, message: T.no_answer});
      });
    });
  }

  /* Run an action from a button: the button waits for the answer; a refusal shows the
     server's message. What changed arrives as an event, like for everyone else. */
  function act(button, name, payload) {
    if (button) button.disabled = true;
    return call(name, payload).then(function (ack) {
      if (button) button.disabled = false;
      if (!ack.ok) toast(ack.message || T.no_answer, ack.errors);
      return ack;
    });
  }

  function sync(reason) {
    if (syncing) { resyncWanted = true; return; }
    syncing = true;
    var before = S.seq === null ? null : summaryState();
    var since = S.seq;
    call("sync", {since: since}).then(function (ack) {
      syncing = false;
      if (!ack.ok) {
        if (ack.code === "timeout" && socket.connected) setTimeout(function () { sync(reason); }, 2000);
        else if (ack.code !== "offline" && ack.code !== "timeout") toast(ack.message || T.no_answer);
        resyncWanted = false;
        return;
      }
      var data = ack.data;
      var missed = 0;
      if (data.mode === "snapshot") {
        missed = since === null ? 0 : Math.max(0, data.snapshot.seq - since);
        applySnapshot(data.snapshot);
      } else {
        noteServerTime(data.server_time);
        data.events.forEach(function (event) {
          if (event.seq === S.seq + 1) { applyEvent(event); missed++; }
        });
      }
      drainBuffered();
      if (before && reason === "reconnect" && missed > 0) showAwaySummary(before, missed);
      if (resyncWanted) { resyncWanted = false; sync(reason); }
    });
  }

  function drainBuffered() {
    buffered.sort(function (a, b) { return a.seq - b.seq; });
    var rest = buffered;
    buffered = [];
    rest.forEach(receive);
  }

  function receive(event) {
    if (syncing || S.seq === null) { buffered.push(event); return; }
    if (event.seq <= S.seq) return;  // applied already (from a sync answer or twice sent)
    if (event.seq > S.seq + 1) {     // something was lost on the way: fetch it
      buffered.push(event);
      sync("gap");
      return;
    }
    noteServerTime(event.server_time);
    applyEvent(event);
  }

  socket.on("connect", function () {
    setConnection("connected");
    var reconnect = hadConnected;
    hadConnected = true;
    sync(reconnect ? "reconnect" : "first");
  });

  socket.on("disconnect", function (reason) {
    if (cutOff) return;
    // The server closing the socket on purpose (link revoked, rights withdrawn) is final.
    setConnection(reason === "io server disconnect" || reason === "io client disconnect" ? "offline" : "reconnecting");
  });

  socket.on("connect_error", function (error) {
    if (error && error.data && error.data.message) {
      // Refused by the server (not invited, link closed): no point in trying again.
      cutOff = true;
      setConnection("offline");
      fatal(fmt(T.cannot_join, {message: error.data.message}));
      return;
    }
    setConnection(hadConnected ? "reconnecting" : "connecting");
  });

  socket.on("event", receive);

  socket.on("revoked", function (data) {
    cutOff = true;
    setConnection("offline");
    // Worded in this page's language: the server's message is in the organizer's.
    var why = data && data.reason === "revoked" ? T.link_revoked
      : data && data.reason === "renewed" ? T.link_renewed
      : (data && data.message) || "";
    fatal((why ? why + " " : "") + T.link_closed);
  });

  setInterval(function () {
    if (!socket.connected || S.seq === null) return;
    call("heartbeat", {}).then(function (ack) { if (ack.ok && ack.data) noteServerTime(ack.data.server_time); });
  }, cfg.heartbeat_seconds * 1000);

  // --- applying what the server says ---------------------------------------------------

  var dirty = {};
  var flushQueued = false;

  function markDirty(section) {
    dirty[section] = true;
    if (!flushQueued) {
      flushQueued = true;
      Promise.resolve().then(flush);
    }
  }

  function flush() {
    flushQueued = false;
    var sections = dirty;
    dirty = {};
    if (sections.conference) renderConference();
    if (sections.agenda || sections.conference) renderAgenda();
    if (sections.floor || sections.conference) renderFloor();
    if (sections.presence) renderPresence();
    if (sections.chat || sections.conference) renderChat(sections.chatReset);
    if (sections.adoption || sections.agenda || sections.conference) renderAdoption();
    if (sections.directives || sections.agenda || sections.conference) renderDirectives();
    tick();
  }

  function applySnapshot(snapshot) {
    noteServerTime(snapshot.server_time);
    S.seq = snapshot.seq;
    S.viewer = snapshot.viewer;
    S.conference = snapshot.conference;
    S.agenda = snapshot.agenda;
    S.presence = snapshot.presence;
    S.floor = snapshot.floor;
    S.chat = snapshot.chat.slice();
    S.connections = snapshot.connections || null;
    S.adoption = snapshot.adoption || null;
    S.directives = snapshot.directives || null;
    ["conference", "agenda", "floor", "presence", "chat", "chatReset", "adoption", "directives"].forEach(markDirty);
  }

  function applyEvent(event) {
    var data = event.data || {};
    switch (event.type) {
      case "agenda": S.agenda = data.agenda; markDirty("agenda"); break;
      case "conference": S.conference = data.conference; markDirty("conference"); break;
      case "presence":
        S.presence = data.presence;
        markDirty("presence");
        askPresenceDetail();
        break;
      case "floor": S.floor = data.floor; markDirty("floor"); break;
      case "chat": addMessage(data.message); break;
      case "vote":
        // {vote} after a ballot or a hand count; {vote, drafts} when a vote opens or closes.
        S.adoption = S.adoption || {drafts: [], vote: null, me: {}};
        if (data.vote !== undefined) S.adoption.vote = data.vote;
        if (data.drafts) S.adoption.drafts = data.drafts;
        markDirty("adoption");
        break;
      case "directives":
        // The whole list each time (small): applying it twice is harmless.
        S.directives = S.directives || {directives: [], me: {}};
        S.directives.directives = data.directives || [];
        markDirty("directives");
        break;
      default: break;
    }
    S.seq = event.seq;
  }

  function addMessage(message) {
    if (!message) return;
    for (var i = S.chat.length - 1; i >= 0; i--) if (S.chat[i].id === message.id) return;
    S.chat.push(message);
    S.chat.sort(function (a, b) { return a.id - b.id; });
    if (S.chat.length > 200) S.chat.splice(0, S.chat.length - 200);
    markDirty("chat");
  }

  var detailPending = false;
  function askPresenceDetail() {
    if (DISPLAY || !can("manage") || detailPending) return;
    detailPending = true;
    call("presence_detail", {}).then(function (ack) {
      detailPending = false;
      if (ack.ok) { S.connections = ack.data.connections; markDirty("presence"); }
    });
  }

  // --- the "while you were away" summary ----------------------------------------------

  function summaryState() {
    var statuses = {};
    (S.agenda ? S.agenda.items : []).forEach(function (i) { statuses[i.id] = i.status; });
    var sites = {};
    (S.presence ? S.presence.sites : []).forEach(function (s) { sites[s.id] = s.state === "connected"; });
    return {
      status: S.conference && S.conference.status,
      current: S.agenda && S.agenda.current_item_id,
      statuses: statuses,
      speaker: S.floor && S.floor.speaking ? S.floor.speaking.id : null,
      queue: S.floor ? S.floor.queue.length : 0,
      lastMessage: S.chat.length ? S.chat[S.chat.length - 1].id : 0,
      sites: sites,
      vote: S.adoption && S.adoption.vote ? S.adoption.vote.id + ":" + S.adoption.vote.status : null,
      directives: directiveMarks()
    };
  }

  function showAwaySummary(before, missed) {
    var after = summaryState();
    var lines = [];
    if (after.status !== before.status && S.conference) {
      lines.push(fmt(T.away_status, {status: T.conference_status[after.status] || after.status}));
    }
    if (after.current !== before.current) {
      var item = currentItem();
      lines.push(item ? fmt(T.away_agenda, {pos: item.position, title: item.title}) : T.away_agenda_none);
    } else {
      var changed = Object.keys(after.statuses).filter(function (id) { return after.statuses[id] !== before.statuses[id]; });
      if (changed.length) lines.push(plural(T.away_items, changed.length));
    }
    if (after.speaker !== before.speaker) {
      lines.push(S.floor.speaking ? fmt(T.away_floor, {who: S.floor.speaking.who}) : T.away_floor_none);
    }
    if (after.queue !== before.queue && after.queue > 0) lines.push(plural(T.away_queue, after.queue));
    var newMessages = S.chat.filter(function (m) { return m.id > before.lastMessage; }).length;
    if (newMessages) lines.push(plural(T.away_chat, newMessages));
    var vote = S.adoption && S.adoption.vote;
    if (vote && after.vote !== before.vote && T.vote) {
      lines.push(vote.status === "open" ? fmt(T.vote.away_open, {title: vote.draft_title})
        : fmt(T.vote.away_closed, {title: vote.draft_title, result: vote.adopted ? T.vote.adopted : T.vote.not_adopted}));
    }
    awayDirectives(before.directives, after.directives).forEach(function (line) { lines.push(line); });
    (S.presence ? S.presence.sites : []).forEach(function (site) {
      if (S.viewer && site.id === S.viewer.site_id) return;
      var was = before.sites[site.id];
      var now = after.sites[site.id];
      if (now && !was) lines.push(fmt(T.away_site_joined, {site: site.name}));
      else if (was && !now) lines.push(fmt(T.away_site_left, {site: site.name}));
    });
    if (!lines.length) return;
    var box = byId("live-away");
    if (!box) return;
    fill(box, [
      h("div", {class: "d-flex align-items-start gap-3"},
        icon("clock-history"),
        h("div", {class: "flex-grow-1"},
          h("div", {class: "fw-semibold"}, T.away_title + " · " + plural(T.updates, missed)),
          h("ul", {class: "mb-0 ps-3"}, lines.map(function (line) { return h("li", {text: line}); }))),
        h("button", {type: "button", class: "btn-close", "aria-label": T.dismiss, title: T.dismiss,
          "data-testid": "away-dismiss", onclick: function () { box.classList.add("d-none"); }}))
    ]);
    box.classList.remove("d-none");
  }

  // --- connection badge, errors ---------------------------------------------------------

  function setConnection(state) {
    var badge = byId("live-conn");
    if (!badge) return;
    badge.dataset.state = state;
    var span = badge.querySelector("span");
    setText(span || badge, T.connection[state] || state);
    if (!DISPLAY) {
      badge.className = "live-conn badge " + ({
        connected: "text-bg-success", reconnecting: "text-bg-warning", offline: "text-bg-danger"
      }[state] || "text-bg-secondary");
    }
    document.body.classList.toggle("live-offline", state !== "connected");
    var stale = byId("live-stale");
    if (stale) stale.classList.toggle("d-none", state !== "reconnecting");
  }

  function fatal(message) {
    var box = byId("live-fatal");
    if (!box) return;
    fill(box, [icon("exclamation-octagon"), " ", message]);
    box.classList.remove("d-none");
    document.body.classList.add("live-cut");
  }

  function toast(message, errors) {
    var holder = byId("live-toasts");
    if (!holder) return;
    var details = [];
    if (errors && typeof errors === "object") {
      Object.keys(errors).forEach(function (field) {
        [].concat(errors[field]).forEach(function (text) { if (text !== message) details.push(String(text)); });
      });
    }
    var node = h("div", {class: "live-toast", role: "alert", "data-testid": "toast"},
      icon("exclamation-triangle-fill"),
      h("div", {class: "flex-grow-1"},
        h("div", {class: "fw-semibold", text: T.error_title}),
        h("div", {text: String(message)}),
        details.length ? h("div", {class: "small", text: details.join(" ")}) : null),
      h("button", {type: "button", class: "btn-close btn-close-white", "aria-label": T.close,
        onclick: function () { node.remove(); }}));
    holder.appendChild(node);
    setTimeout(function () { node.remove(); }, 8000);
  }

  function confirmThen(message, action) {
    var dialog = byId("live-confirm");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(message)) action();
      return;
    }
    setText(byId("live-confirm-text"), message);
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "ok") action();
    });
    dialog.showModal();
  }

  // --- rendering: shared pieces --------------------------------------------------------

  var STATUS_BADGE = {
    pending: "text-bg-light border", running: "text-bg-success", paused: "text-bg-warning",
    done: "text-bg-secondary", skipped: "text-bg-light border text-decoration-line-through"
  };
  var CONFERENCE_BADGE = {
    draft: "secondary", scheduled: "primary", live: "danger", concluded: "success", archived: "dark"
  };

  function fromBadge(request) {
    return request.from === "site"
      ? h("span", {class: "live-from live-from-site"}, icon("building"), " ", T.from_site)
      : h("span", {class: "live-from live-from-room"}, icon("people"), " ", T.from_room);
  }

  function button(label, opts) {
    var o = opts || {};
    return h("button", {
      type: "button", class: "btn " + (o.cls || "btn-outline-secondary btn-sm"),
      "data-testid": o.testid, title: o.title, onclick: o.onclick
    }, o.icon ? icon(o.icon) : null, o.icon && label ? " " : null, label);
  }

  function itemButtons(item, compact) {
    if (!can("control") || !isLive()) return [];
    var cls = compact ? "btn-outline-secondary btn-sm" : "btn-outline-dark";
    var run = function (name, payload) { return function (e) { act(e.currentTarget, name, payload); }; };
    var out = [];
    if (item.status === "pending" || item.status === "skipped" || item.status === "done") {
      if (item.status === "pending" || compact) {
        out.push(button(item.status === "done" ? T.resume : T.start, {
          cls: compact ? "btn-outline-success btn-sm" : "btn-success", icon: "play-fill",
          testid: "item-start-" + item.id, onclick: run("item_start", {item_id: item.id})
        }));
      }
      if (item.status === "pending") {
        out.push(button(T.skip, {cls: cls, icon: "skip-forward", testid: "item-skip-" + item.id,
          onclick: run("item_skip", {item_id: item.id})}));
      }
    } else {
      if (item.status === "running") {
        out.push(button(T.pause, {cls: cls, icon: "pause-fill", testid: "item-pause-" + item.id,
          onclick: run("item_pause", {item_id: item.id})}));
      } else {
        out.push(button(T.resume, {cls: compact ? "btn-outline-success btn-sm" : "btn-success", icon: "play-fill",
          testid: "item-start-" + item.id, onclick: run("item_start", {item_id: item.id})}));
      }
      out.push(button(T.extend, {cls: cls, icon: "plus-circle", testid: "item-extend-" + item.id,
        onclick: run("item_extend", {item_id: item.id, minutes: 5})}));
      out.push(button(T.close_item, {cls: cls, icon: "stop-fill", testid: "item-close-" + item.id,
        onclick: run("item_close", {item_id: item.id})}));
    }
    return out;
  }

  // --- rendering: the room ---------------------------------------------------------------

  function renderConference() {
    var holder = byId("live-status");
    if (holder && S.conference) {
      var status = S.conference.status;
      fill(holder, h("span", {class: "badge status-badge text-bg-" + (CONFERENCE_BADGE[status] || "secondary"),
        "data-status": status}, status === "live" ? [icon("broadcast"), " "] : null, T.conference_status[status] || status));
    }
    document.body.dataset.conferenceStatus = S.conference ? S.conference.status : "";
    renderControl();
  }

  function renderControl() {
    var body = byId("control-body");
    if (!body || !S.conference) return;
    var status = S.conference.status;
    var parts = [];
    if (status === "scheduled" || status === "draft") {
      if (status === "scheduled") {
        parts.push(button(T.open_conference, {cls: "btn-danger", icon: "broadcast", testid: "open-conference",
          onclick: function (e) { act(e.currentTarget, "conference_open"); }}));
      }
    } else if (status === "live") {
      var next = nextPendingItem();
      if (next) {
        parts.push(button(T.start_next + " · " + next.position + ". " + next.title, {
          cls: "btn-success live-next-btn", icon: "skip-end-fill", testid: "start-next",
          title: next.title, onclick: function (e) { act(e.currentTarget, "item_start", {item_id: next.id}); }
        }));
      }
      parts.push(button(T.close_conference, {cls: "btn-outline-danger", icon: "flag", testid: "close-conference",
        onclick: function (e) {
          var target = e.currentTarget;
          confirmThen(T.confirm_close, function () { act(target, "conference_close"); });
        }}));
    } else {
      parts.push(h("span", {class: "small text-muted align-self-center", text: T.concluded}));
    }
    fill(body, parts);
  }

  function renderAgenda() {
    if (DISPLAY) { renderDisplayNow(); return; }
    renderNow();
    renderControl();
    var list = byId("agenda-list");
    if (!list || !S.agenda) return;
    if (!S.agenda.items.length) {
      fill(list, h("li", {class: "live-empty", text: T.no_agenda}));
      return;
    }
    fill(list, S.agenda.items.map(function (item) {
      var meta = [];
      if (item.presenter) meta.push(h("span", null, icon("person"), " ", item.presenter));
      meta.push(h("span", null, icon("hourglass-split"), " ", fmt(T.minutes, {num: Math.round(item.planned_seconds / 60)})));
      if (item.documents && item.documents.length) {
        meta.push(h("span", {title: item.documents.map(function (d) { return d.filename; }).join(", ")},
          icon("paperclip"), " ", String(item.documents.length)));
      }
      return h("li", {class: "live-item status-" + item.status + (item.id === S.agenda.current_item_id ? " is-current" : ""),
        "data-item-id": item.id, "data-status": item.status, "data-testid": "agenda-item-" + item.id},
        h("div", {class: "live-item-time"},
          h("span", {class: "live-item-start", "data-proj-start": item.id}),
          h("span", {class: "live-item-pos", text: String(item.position)})),
        h("div", {class: "live-item-main"},
          h("div", {class: "live-item-title", text: item.title}),
          h("div", {class: "live-item-meta"}, meta)),
        h("div", {class: "live-item-side"},
          h("span", {class: "badge " + (STATUS_BADGE[item.status] || "text-bg-light"), "data-testid": "item-status",
            text: T.item_status[item.status] || item.status}),
          h("div", {class: "live-item-actions"}, item.id === S.agenda.current_item_id ? [] : itemButtons(item, true))));
    }));
  }

  function renderNow() {
    var body = byId("now-body");
    if (!body || !S.agenda || !S.conference) return;
    body.removeAttribute("aria-busy");
    body.classList.remove("live-placeholder");
    var item = currentItem();
    if (!item) {
      var status = S.conference.status;
      var note = status === "live" ? T.no_current_item : (status === "concluded" || status === "archived" ? T.concluded : T.not_live_yet);
      var next = nextPendingItem();
      fill(body, [
        h("p", {class: "live-now-empty", "data-testid": "now-title", text: note}),
        next ? h("p", {class: "text-muted mb-0"}, h("span", {class: "fw-semibold", text: T.next_item + ": "}),
          next.position + ". " + next.title) : null
      ]);
      return;
    }
    var total = S.agenda.items.length;
    fill(body, [
      h("div", {class: "live-now-kicker"},
        h("span", {class: "badge " + STATUS_BADGE[item.status], text: T.item_status[item.status]}),
        h("span", {text: fmt(T.item_of, {pos: item.position, total: total})}),
        item.presenter ? h("span", null, icon("person"), " ", item.presenter) : null),
      h("div", {class: "live-now-title", "data-testid": "now-title", text: item.position + ". " + item.title}),
      h("div", {class: "live-timers"},
        h("div", {class: "live-timer"}, h("div", {class: "live-timer-label", text: T.elapsed}),
          h("div", {class: "live-timer-value", id: "now-elapsed", "data-testid": "now-elapsed"})),
        h("div", {class: "live-timer live-timer-main", id: "now-remaining-box"},
          h("div", {class: "live-timer-label", id: "now-remaining-label", text: T.remaining}),
          h("div", {class: "live-timer-value", id: "now-remaining", "data-testid": "now-remaining"})),
        h("div", {class: "live-timer"}, h("div", {class: "live-timer-label", text: T.planned}),
          h("div", {class: "live-timer-value", text: duration(item.planned_seconds)}))),
      h("div", {class: "progress live-progress", role: "progressbar", "aria-label": T.elapsed},
        h("div", {class: "progress-bar", id: "now-progress"})),
      can("control") ? h("div", {class: "live-now-actions"}, itemButtons(item, false)) : null
    ]);
  }

  function renderFloor() {
    if (DISPLAY) { renderDisplayFloor(); return; }
    var body = byId("floor-body");
    if (!body || !S.floor) return;
    var speaking = S.floor.speaking;
    var queue = S.floor.queue;
    var live = isLive();
    var parts = [];
    if (speaking) {
      parts.push(h("div", {class: "live-speaker" + (isMine(speaking) ? " is-me" : ""), "data-testid": "speaker"},
        h("div", {class: "live-speaker-icon"}, icon(speaking.from === "site" ? "building" : "mic-fill")),
        h("div", {class: "flex-grow-1 min-w-0"},
          h("div", {class: "live-speaker-label", text: T.speaking}),
          h("div", {class: "live-speaker-name", "data-testid": "speaker-name", text: speaking.who}),
          fromBadge(speaking)),
        h("div", {class: "live-speaker-time", id: "speaker-time", "data-testid": "speaker-time"})));
      if (can("control")) {
        parts.push(h("div", {class: "mb-2"}, button(T.end_turn, {cls: "btn-outline-danger btn-sm", icon: "stop-circle",
          testid: "end-turn", onclick: function (e) { act(e.currentTarget, "floor_end"); }})));
      }
    } else {
      parts.push(h("p", {class: "text-muted live-nobody", "data-testid": "speaker", text: T.nobody_speaking}));
    }
    parts.push(h("div", {class: "live-subtitle"}, T.queue, queue.length ? h("span", {class: "badge text-bg-secondary ms-2", text: String(queue.length)}) : null));
    if (!queue.length) {
      parts.push(h("p", {class: "small text-muted", text: T.queue_empty}));
    } else {
      parts.push(h("ol", {class: "live-queue list-unstyled", "data-testid": "queue"}, queue.map(function (request, index) {
        return h("li", {class: "live-queue-row" + (isMine(request) ? " is-me" : ""), "data-request-id": request.id},
          h("span", {class: "live-queue-pos", text: String(index + 1)}),
          h("div", {class: "flex-grow-1 min-w-0"},
            h("div", {class: "live-queue-who", text: request.who}),
            h("div", {class: "small text-muted"}, fromBadge(request), " · ", clock(parseTime(request.requested_at)))),
          can("control") && live ? button(T.grant, {cls: "btn-outline-primary btn-sm", icon: "mic",
            testid: "grant-" + request.id, onclick: function (e) { act(e.currentTarget, "floor_grant", {request_id: request.id}); }}) : null);
      })));
    }
    var actions = [];
    var mine = null;
    var position = 0;
    queue.forEach(function (r, i) { if (isMine(r)) { mine = r; position = i + 1; } });
    if (can("control") && live && queue.length) {
      actions.push(button(T.next_speaker, {cls: "btn-primary btn-sm", icon: "arrow-left-right", testid: "next-speaker",
        onclick: function (e) { act(e.currentTarget, "floor_grant", {request_id: null}); }}));
    }
    if (speaking && isMine(speaking)) {
      actions.push(h("span", {class: "live-floor-note text-success fw-semibold", "data-testid": "my-floor"}, icon("mic-fill"), " ", T.you_have_floor));
    } else if (mine) {
      actions.push(button(T.withdraw, {cls: "btn-outline-secondary", icon: "hand-index", testid: "withdraw",
        onclick: function (e) { act(e.currentTarget, "hand_withdraw"); }}));
      actions.push(h("span", {class: "live-floor-note", "data-testid": "my-floor", text: fmt(T.your_place, {pos: position})}));
    } else if (live && can("raise_hand")) {
      actions.push(button(T.raise_hand, {cls: "btn-warning", icon: "hand-index-thumb", testid: "raise-hand",
        onclick: function (e) { act(e.currentTarget, "hand_raise"); }}));
    } else if (!live) {
      actions.push(h("span", {class: "small text-muted", text: T.floor_closed}));
    }
    parts.push(h("div", {class: "live-floor-actions"}, actions));
    fill(body, parts);
  }

  function renderPresence() {
    if (DISPLAY) { renderDisplaySites(); return; }
    var body = byId("presence-body");
    if (!body || !S.presence) return;
    var now = serverNow();
    var sites = S.presence.sites;
    var connected = sites.filter(function (s) { return s.state === "connected"; }).length;
    setText(byId("presence-summary"), sites.length ? fmt(T.sites_connected, {num: connected, total: sites.length}) : "");
    var room = S.presence.room;
    var parts = [];
    if (!sites.length) parts.push(h("p", {class: "small text-muted", text: T.no_sites}));
    else {
      parts.push(h("ul", {class: "live-sites list-unstyled", "data-testid": "sites"}, sites.map(function (site) {
        var state = siteState(site, now);
        var since = parseTime(site.since);
        return h("li", {class: "live-site state-" + state, "data-site-id": site.id, "data-state": state, "data-testid": "site-" + site.id},
          h("span", {class: "live-dot", "aria-hidden": "true"}),
          h("div", {class: "flex-grow-1 min-w-0"},
            h("div", {class: "live-site-name", text: site.name}),
            h("div", {class: "small text-muted"},
              site.city ? [icon("geo-alt"), " ", site.city, " · "] : null,
              plural(T.expected, site.expected_headcount))),
          h("div", {class: "live-site-state"},
            h("div", {class: "live-site-label", "data-site-state": site.id, "data-state": state, text: T.site_state[state] || state}),
            since !== null && state !== "never" ? h("div", {class: "small text-muted", text: fmt(T.since, {time: clock(since)})}) : null));
      })));
    }
    parts.push(h("div", {class: "live-room-line", "data-testid": "room-count"},
      icon("door-open"), " ",
      h("strong", {text: T.from_room + ": "}),
      fmt(T.room_checked_in, {checked: room.checked_in, invited: room.invited}), " · ",
      plural(T.room_people, room.checked_in_people)));
    parts.push(h("div", {class: "small text-muted"}, icon("person-check"), " ", plural(T.people_online, S.presence.people_online)));
    if (can("manage") && S.connections) {
      parts.push(h("details", {class: "live-connections", "data-testid": "connections"},
        h("summary", null, icon("hdd-network"), " ", T.connected_from, " (" + S.connections.length + ")"),
        S.connections.length ? h("table", {class: "table table-sm mb-0 small"}, h("tbody", null, S.connections.map(function (c) {
          return h("tr", null,
            h("td", {class: "text-truncate", text: c.who}),
            h("td", {class: "font-monospace", text: c.remote_addr || "—"}),
            h("td", {class: "text-muted text-nowrap", text: fmt(T.connected_since, {time: clock(parseTime(c.connected_at))})}));
        }))) : h("p", {class: "small text-muted mb-0", text: T.nobody_connected})));
    }
    var open = body.querySelector("details[open]") !== null;
    fill(body, parts);
    if (open) { var d = body.querySelector("details"); if (d) d.open = true; }
  }

  var renderedMessages = {};
  function renderChat(reset) {
    var list = byId("chat-list");
    if (!list) return;
    if (reset) { list.textContent = ""; renderedMessages = {}; }
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    var empty = list.querySelector(".live-empty");
    if (empty && S.chat.length) empty.remove();
    if (!S.chat.length && !list.children.length) list.appendChild(h("li", {class: "live-empty", text: T.no_messages}));
    S.chat.forEach(function (m) {
      if (renderedMessages[m.id]) return;
      renderedMessages[m.id] = true;
      var announcement = m.kind === "announcement";
      list.appendChild(h("li", {class: "live-message" + (announcement ? " is-announcement" : ""), "data-message-id": m.id},
        h("div", {class: "live-message-head"},
          announcement ? h("span", {class: "badge text-bg-warning"}, icon("megaphone-fill"), " ", T.announcement) : null,
          h("span", {class: "live-message-author", text: m.author}),
          m.from === "site" ? icon("building") : null,
          h("time", {class: "live-message-time", datetime: m.created_at, text: clock(parseTime(m.created_at))})),
        h("div", {class: "live-message-body", text: m.body})));
    });
    while (list.children.length > 200) list.removeChild(list.firstChild);
    if (nearBottom || reset) list.scrollTop = list.scrollHeight;
    var closed = S.conference && (S.conference.status === "concluded" || S.conference.status === "archived");
    var input = byId("chat-body");
    if (input) {
      input.disabled = !!closed && !can("announce");
      input.placeholder = closed ? T.chat_closed : T.message_placeholder;
    }
    var send = document.querySelector("#chat-form [type=submit]");
    if (send) send.disabled = !!closed;
    var announce = byId("chat-announce");
    if (announce) announce.classList.toggle("d-none", !can("announce"));
  }

  function setupChatForm() {
    var form = byId("chat-form");
    if (!form) return;
    var input = byId("chat-body");
    function post(name, buttonNode) {
      var body = input.value.trim();
      if (!body) { input.focus(); return; }
      act(buttonNode, name, {body: body}).then(function (ack) {
        // Clear only what was sent: the person may have typed the next one meanwhile.
        if (ack.ok && input.value.trim() === body) { input.value = ""; input.focus(); }
      });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      post("chat_send", form.querySelector("[type=submit]"));
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        post("chat_send", form.querySelector("[type=submit]"));
      }
    });
    var announce = byId("chat-announce");
    if (announce) announce.addEventListener("click", function () { post("announce", announce); });
  }

  // --- rendering: the room display --------------------------------------------------------

  function renderDisplayNow() {
    var holder = byId("display-now");
    if (!holder || !S.agenda || !S.conference) return;
    var item = currentItem();
    var next = nextPendingItem();
    var parts = [];
    if (item) {
      parts.push(h("div", {class: "display-label"}, icon(item.status === "paused" ? "pause-circle" : "play-circle"), " ",
        fmt(T.item_of, {pos: item.position, total: S.agenda.items.length}),
        item.status === "paused" ? " · " + T.item_status.paused : ""));
      parts.push(h("div", {class: "display-title", "data-testid": "display-title", text: item.title}));
      if (item.presenter) parts.push(h("div", {class: "display-presenter"}, icon("person"), " ", item.presenter));
      parts.push(h("div", {class: "display-timer", id: "display-timer", "data-testid": "display-timer"}));
      parts.push(h("div", {class: "display-timer-note", id: "display-timer-note"}));
    } else {
      var status = S.conference.status;
      parts.push(h("div", {class: "display-title display-muted", "data-testid": "display-title",
        text: status === "live" ? T.no_current_item : (status === "concluded" || status === "archived" ? T.concluded : T.not_live_yet)}));
    }
    if (next) {
      parts.push(h("div", {class: "display-next"}, h("span", {class: "display-label", text: T.next_item}),
        h("span", {text: next.position + ". " + next.title}),
        h("span", {class: "display-muted", "data-proj-start": next.id})));
    }
    fill(holder, parts);
  }

  function renderDisplayFloor() {
    var speakerBox = byId("display-speaker");
    var queueBox = byId("display-queue");
    if (!S.floor) return;
    var s = S.floor.speaking;
    fill(speakerBox, s ? [
      h("div", {class: "display-speaker-name", "data-testid": "display-speaker-name", text: s.who}),
      h("div", {class: "display-speaker-meta"}, fromBadge(s), h("span", {class: "display-speaker-time", id: "speaker-time"}))
    ] : h("div", {class: "display-muted", text: T.nobody_speaking}));
    var queue = S.floor.queue;
    fill(queueBox, queue.length ? queue.slice(0, 6).map(function (r) {
      return h("li", null, h("span", {text: r.who}), " ", h("span", {class: "display-from"}, icon(r.from === "site" ? "building" : "people")));
    }).concat(queue.length > 6 ? [h("li", {class: "display-muted", text: "+" + (queue.length - 6)})] : [])
      : h("li", {class: "display-muted", text: T.queue_empty}));
  }

  function renderDisplaySites() {
    var box = byId("display-sites");
    if (!box || !S.presence) return;
    var now = serverNow();
    fill(box, S.presence.sites.length ? S.presence.sites.map(function (site) {
      var state = siteState(site, now);
      return h("li", {class: "state-" + state, "data-state": state, "data-site-state": site.id},
        h("span", {class: "live-dot", "aria-hidden": "true"}),
        h("span", {class: "display-site-name", text: site.name}),
        h("span", {class: "display-site-count", text: String(site.expected_headcount)}, " ", icon("people")));
    }) : h("li", {class: "display-muted", text: T.no_sites}));
  }

  // --- rendering: the draft under discussion and its adoption vote ---------------------------

  var V = T.vote || {};
  var ANSWERS = ["agree", "agree_with_comments", "disagree"];
  var ANSWER_STYLE = {agree: "success", agree_with_comments: "primary", disagree: "danger"};
  var ANSWER_ICON = {agree: "check-circle", agree_with_comments: "chat-square-text", disagree: "x-circle"};

  /* The drafts of the running item, and the draft of an open vote called on another one. */
  function adoptionView() {
    var A = S.adoption;
    if (!A) return null;
    var item = currentItem();
    var drafts = A.drafts.filter(function (d) { return item && d.item_id === item.id; });
    var open = A.vote && A.vote.status === "open" ? A.vote : null;
    if (open && !drafts.some(function (d) { return d.id === open.draft_id; })) {
      var known = A.drafts.filter(function (d) { return d.id === open.draft_id; })[0];
      drafts.push(known || {id: open.draft_id, title: open.draft_title, version: open.version,
        points: [], points_total: 0, contested: 0, result: null});
    }
    return {drafts: drafts, vote: A.vote, open: open, me: A.me || {}};
  }

  function quorumText(v) {
    return fmt(V.quorum, {present: v.present_units === null ? "–" : v.present_units,
      quorum: v.quorum === null ? "–" : v.quorum, invited: v.invited_units});
  }

  function resultLine(result) {
    return h("div", {class: "live-vote-result", "data-testid": "vote-result", "data-adopted": result.adopted ? "1" : "0"},
      h("span", {class: "badge live-result-badge text-bg-" + (result.adopted ? "success" : "danger")},
        icon(result.adopted ? "check-circle-fill" : "x-circle-fill"), " ", result.adopted ? V.adopted : V.not_adopted),
      h("span", {class: "live-result-totals"}, ANSWERS.map(function (a, i) {
        return [i ? " · " : "", V.answers[a] + " ", h("strong", {text: String(result.totals[a])})];
      })),
      h("span", {class: "small text-muted", "data-testid": "vote-result-quorum"}, quorumText(result),
        result.closed_at ? " · " + fmt(V.closed_at, {time: clock(parseTime(result.closed_at))}) : ""));
  }

  function openVoteParts(vote, me) {
    var live = isLive();
    var parts = [h("div", {class: "live-vote-tiles", "data-testid": "vote-tally"}, ANSWERS.map(function (a) {
      var hands = vote.room ? vote.room[a] : "–";
      return h("div", {class: "live-vote-tile tile-" + a},
        h("div", {class: "live-vote-label", text: V.answers[a]}),
        h("div", {class: "live-vote-total", "data-testid": "vote-total-" + a, text: String(vote.totals[a])}),
        h("div", {class: "live-vote-split", title: V.unit_ballots + " " + vote.units[a] + " · " + V.room_hands + " " + hands},
          icon("building"), " " + vote.units[a] + " · ", icon("hand-index"), " " + hands));
    }))];
    parts.push(h("div", {class: "live-vote-meta"},
      h("span", {class: "badge " + (vote.quorum_met ? "text-bg-success" : "text-bg-warning"), "data-testid": "vote-quorum",
        text: vote.quorum_met ? V.quorum_met : V.quorum_missing}),
      h("span", {text: quorumText(vote)}),
      h("span", {text: fmt(V.answered, {answered: vote.ballots.length, present: vote.present_units || 0})}),
      h("span", {class: "text-muted"}, icon("hand-index"), " ", V.room_hands + ": " + (vote.room
        ? vote.room.agree + vote.room.agree_with_comments + vote.room.disagree : V.not_counted))));
    if (vote.ballots.length) {
      parts.push(h("ul", {class: "live-ballots list-unstyled", "data-testid": "ballots"}, vote.ballots.map(function (b) {
        return h("li", {class: "live-ballot ballot-" + b.answer, title: b.name + " · " + V.answers[b.answer]},
          icon(b.from === "site" ? "building" : "people"), " " + b.unit);
      })));
    }
    if (me.unit_id && live) {
      var mine = vote.ballots.filter(function (b) { return b.unit_id === me.unit_id; })[0];
      parts.push(h("div", {class: "live-my-vote", "data-testid": "my-vote"},
        h("div", {class: "small fw-semibold mb-1", text: mine
          ? fmt(V.your_answer, {answer: V.answers[mine.answer]}) : fmt(V.your_unit, {unit: me.unit})}),
        h("div", {class: "live-answer-buttons"}, ANSWERS.map(function (a) {
          var chosen = !!mine && mine.answer === a;
          var node = button(V.answers[a], {cls: (chosen ? "btn-" : "btn-outline-") + ANSWER_STYLE[a], icon: ANSWER_ICON[a],
            testid: "vote-answer-" + a, onclick: function (e) { act(e.currentTarget, "vote_cast", {vote_id: vote.id, answer: a}); }});
          node.setAttribute("aria-pressed", chosen ? "true" : "false");
          return node;
        }))));
    }
    if (me.can_count && live) parts.push(handCountForm(vote));
    if (me.can_call) {
      parts.push(h("div", {class: "live-vote-actions"}, button(V.close, {cls: "btn-danger btn-sm", icon: "stop-circle", testid: "vote-close",
        onclick: function (e) {
          var target = e.currentTarget;
          confirmThen(V.confirm_close, function () { act(target, "vote_close", {vote_id: vote.id}); });
        }})));
    }
    return parts;
  }

  function handCountForm(vote) {
    var form = h("form", {class: "live-hand-count", "data-vote-id": vote.id, "data-testid": "hand-count", autocomplete: "off", novalidate: true},
      h("div", {class: "small fw-semibold mb-1"}, icon("hand-index"), " ", V.hand_count),
      h("div", {class: "live-hand-inputs"},
        ANSWERS.map(function (a) {
          return h("label", {class: "live-hand-field"},
            h("span", {class: "live-hand-label", text: V.answers[a]}),
            h("input", {class: "form-control form-control-sm", type: "number", min: "0", step: "1", inputmode: "numeric",
              name: a, value: vote.room ? String(vote.room[a]) : "", "data-testid": "hand-" + a}));
        }),
        h("button", {class: "btn btn-outline-dark btn-sm", type: "submit", "data-testid": "hand-save"}, icon("save"), " ", V.save_count)));
    form.addEventListener("input", function () { form.dataset.dirty = "1"; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var payload = {vote_id: vote.id};
      ANSWERS.forEach(function (a) {
        var raw = form.elements[a].value.trim();
        // A number as a number; anything else as typed, for the server to explain.
        payload[a] = raw === "" ? 0 : (/^\d+$/.test(raw) ? parseInt(raw, 10) : raw);
      });
      act(form.querySelector("[type=submit]"), "vote_hand_count", payload).then(function (ack) {
        if (ack.ok) form.dataset.dirty = "";
      });
    });
    return form;
  }

  function voteBlock(draft, view) {
    var me = view.me;
    var open = view.open;
    var parts = [h("div", {class: "live-subtitle"}, icon("check2-square"), " ", V.vote,
      open && open.draft_id === draft.id ? h("span", {class: "badge text-bg-danger ms-2 live-voting"}, icon("broadcast"), " ", V.voting) : null)];
    if (open && open.draft_id === draft.id) {
      return h("section", {class: "live-vote is-open", "data-testid": "vote", "data-vote-id": open.id}, parts, openVoteParts(open, me));
    }
    parts.push(draft.result ? resultLine(draft.result) : h("p", {class: "small text-muted mb-2", text: V.no_vote}));
    if (open) parts.push(h("p", {class: "small text-muted mb-0", text: V.open_elsewhere}));
    else if (me.can_call && isLive()) {
      parts.push(button(draft.result ? V.call_again : V.call, {cls: draft.result ? "btn-outline-primary btn-sm" : "btn-primary btn-sm",
        icon: "check2-square", testid: "vote-open-" + draft.id,
        onclick: function (e) { act(e.currentTarget, "vote_open", {draft_id: draft.id}); }}));
    }
    return h("section", {class: "live-vote", "data-testid": "vote"}, parts);
  }

  function draftBlock(draft, view) {
    var readable = (view.me.readable || []).indexOf(draft.id) !== -1;
    var hidden = draft.points_total - draft.points.length;
    return h("article", {class: "live-draft", "data-draft-id": draft.id, "data-testid": "draft-" + draft.id},
      h("div", {class: "live-draft-head"},
        h("div", {class: "min-w-0"},
          h("div", {class: "live-draft-title", "data-testid": "draft-title", text: draft.title}),
          h("div", {class: "small text-muted", text: fmt(V.version, {n: draft.version})})),
        readable ? h("a", {class: "btn btn-outline-primary btn-sm text-nowrap", href: V.draft_url.replace("{id}", draft.id),
          target: "_blank", rel: "noopener", "data-testid": "draft-link"}, icon("box-arrow-up-right"), " ", V.open_draft) : null),
      h("div", {class: "live-subtitle"}, icon("chat-left-dots"), " ", V.points,
        draft.contested ? h("span", {class: "badge text-bg-warning ms-2", text: String(draft.contested)}) : null),
      draft.points.length ? h("ol", {class: "live-points list-unstyled", "data-testid": "discussion-points"}, draft.points.map(function (p) {
        return h("li", {class: "live-point", "data-anchor": p.anchor},
          h("span", {class: "live-point-n", text: fmt(V.paragraph, {n: p.n})}),
          h("span", {class: "live-point-text", text: p.text}),
          h("span", {class: "live-point-count", text: fmt(V.point_comments, {count: p.count})}));
      })) : h("p", {class: "small text-muted", text: V.no_points}),
      hidden > 0 ? h("p", {class: "small text-muted", text: fmt(V.more_points, {count: hidden})}) : null,
      voteBlock(draft, view));
  }

  function renderAdoption() {
    if (DISPLAY) { renderDisplayVote(); return; }
    var card = byId("live-adoption");
    var body = byId("adoption-body");
    if (!card || !body) return;
    var view = adoptionView();
    var drafts = view ? view.drafts : [];
    card.classList.toggle("d-none", !drafts.length);
    // What the secretary is typing in the hand count survives the tally's updates.
    var old = body.querySelector("form.live-hand-count");
    var keep = null;
    if (old) {
      var focused = document.activeElement && old.contains(document.activeElement) ? document.activeElement.name : null;
      keep = {vote: old.dataset.voteId, dirty: old.dataset.dirty === "1", focus: focused, values: {}};
      ANSWERS.forEach(function (a) { keep.values[a] = old.elements[a].value; });
    }
    fill(body, drafts.map(function (d) { return draftBlock(d, view); }));
    var form = keep && body.querySelector("form.live-hand-count[data-vote-id='" + keep.vote + "']");
    if (form) {
      if (keep.dirty) {
        ANSWERS.forEach(function (a) { form.elements[a].value = keep.values[a]; });
        form.dataset.dirty = "1";
      }
      if (keep.focus && form.elements[keep.focus]) form.elements[keep.focus].focus();
    }
  }

  function renderDisplayVote() {
    var box = byId("display-vote");
    if (!box) return;
    var view = adoptionView();
    var vote = view && view.vote;
    var show = !!vote && (vote.status === "open" || view.drafts.some(function (d) { return d.id === vote.draft_id; }));
    box.classList.toggle("d-none", !show);
    document.body.classList.toggle("display-has-vote", show);
    if (!show) { fill(box, null); return; }
    var closed = vote.status === "closed";
    fill(box, [
      h("div", {class: "display-label"}, icon("check2-square"), " ", V.vote),
      h("div", {class: "display-vote-title", text: vote.draft_title}),
      h("div", {class: "display-vote-tiles"}, ANSWERS.map(function (a) {
        return h("div", {class: "display-vote-tile tile-" + a},
          h("div", {class: "display-vote-number", "data-testid": "display-vote-" + a, text: String(vote.totals[a])}),
          h("div", {class: "display-vote-label", text: V.answers[a]}));
      })),
      h("div", {class: "display-vote-foot"},
        closed ? h("span", {class: "display-vote-result " + (vote.adopted ? "is-adopted" : "is-rejected"), "data-testid": "display-vote-result"},
          icon(vote.adopted ? "check-circle-fill" : "x-circle-fill"), " ", vote.adopted ? V.adopted : V.not_adopted)
          : h("span", {class: "display-vote-live"}, icon("broadcast"), " ", V.voting),
        h("span", {class: "display-muted", "data-testid": "display-vote-quorum", text: quorumText(vote)}))
    ]);
  }

  // --- rendering: the concluding directives (meetings/directives/services.py) ---------------

  var D = T.directives || {};
  var DIRECTIVE_FIELDS = ["text", "lead_unit_id", "deadline", "agenda_item_id", "cooperating_unit_ids"];
  var dateFormat = new Intl.DateTimeFormat(cfg.locale === "vi" ? "vi-VN" : "en-GB",
    {day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC"});

  function directiveList() { return S.directives ? S.directives.directives || [] : []; }
  function directiveMe() { return (S.directives && S.directives.me) || {}; }

  function deadlineText(iso) {
    var parts = String(iso || "").split("-").map(Number);
    if (parts.length !== 3 || parts.some(isNaN)) return iso || "";
    return dateFormat.format(new Date(Date.UTC(parts[0], parts[1] - 1, parts[2])));
  }

  /* {id: "state:version"} for the "while you were away" summary. */
  function directiveMarks() {
    var marks = {};
    directiveList().forEach(function (d) { marks[d.id] = d.state + ":" + d.version; });
    return marks;
  }

  function awayDirectives(before, after) {
    if (!D.away_recorded || !before || !after) return [];
    var recorded = 0, confirmed = 0, changed = 0;
    Object.keys(after).forEach(function (id) {
      var was = before[id], now = after[id];
      if (!was) { recorded++; return; }
      if (was === now) return;
      if (now.split(":")[0] === "confirmed" && was.split(":")[0] === "draft") confirmed++;
      else changed++;
    });
    var lines = [];
    if (recorded) lines.push(plural(D.away_recorded, recorded));
    if (confirmed) lines.push(plural(D.away_confirmed, confirmed));
    if (changed) lines.push(plural(D.away_changed, changed));
    return lines;
  }

  function unitLabel(unit) { return unit.name + " (" + unit.code + ")"; }

  function stateBadge(d) {
    var draft = d.state === "draft";
    return h("span", {class: "badge " + (draft ? "text-bg-warning" : "text-bg-success"), "data-testid": "directive-state"},
      icon(draft ? "pencil" : "check2"), " ", (D.states || {})[d.state] || d.state);
  }

  function directiveRow(d) {
    var me = directiveMe();
    var live = isLive();
    var draft = d.state === "draft";
    var item = d.agenda_item_id ? itemById(d.agenda_item_id) : null;
    var meta = [
      h("span", {"data-testid": "directive-lead"}, icon("flag"), " ", h("span", {class: "text-muted", text: D.lead + ": "}), unitLabel(d.lead_unit)),
      h("span", {"data-testid": "directive-deadline"}, icon("calendar-event"), " ", h("span", {class: "text-muted", text: D.deadline + ": "}), deadlineText(d.deadline))
    ];
    if (d.cooperating_units.length) {
      meta.push(h("span", {title: d.cooperating_units.map(unitLabel).join("; ")}, icon("people"), " ",
        h("span", {class: "text-muted", text: D.cooperating + ": "}), d.cooperating_units.map(function (u) { return u.code; }).join(", ")));
    }
    if (item) meta.push(h("span", {class: "text-muted"}, icon("list-ol"), " ", fmt(D.from_item, {pos: item.position})));
    var actions = [];
    if (live && me.can_record) {
      if (draft && me.can_confirm) {
        actions.push(button(D.confirm, {cls: "btn-success btn-sm", icon: "check2-circle", testid: "directive-confirm-" + d.number,
          onclick: function (e) {
            var target = e.currentTarget;
            confirmThen(fmt(D.confirm_confirm, {n: d.number}), function () {
              act(target, "directive_confirm", {directive_id: d.id, version: d.version});
            });
          }}));
      }
      if (draft || me.can_confirm) {
        actions.push(button(D.edit, {cls: "btn-outline-secondary btn-sm", icon: "pencil", testid: "directive-edit-" + d.number,
          onclick: function () { startEditing(d); }}));
      }
      if (draft) {
        actions.push(button(D.delete, {cls: "btn-outline-danger btn-sm", icon: "trash", testid: "directive-delete-" + d.number,
          onclick: function (e) {
            var target = e.currentTarget;
            confirmThen(fmt(D.confirm_delete, {n: d.number}), function () {
              act(target, "directive_delete", {directive_id: d.id, version: d.version});
            });
          }}));
      }
    }
    return h("li", {class: "live-directive" + (draft ? " is-draft" : "") + (editing && editing.id === d.id ? " is-editing" : ""),
      "data-directive-id": d.id, "data-state": d.state, "data-testid": "directive-" + d.number},
      h("span", {class: "live-directive-n", "aria-hidden": "true", text: String(d.number)}),
      h("div", {class: "flex-grow-1 min-w-0"},
        h("div", {class: "live-directive-head"}, h("span", {class: "visually-hidden", text: fmt(D.number, {n: d.number})}), stateBadge(d)),
        h("div", {class: "live-directive-text", "data-testid": "directive-text", text: d.text}),
        h("div", {class: "live-directive-meta"}, meta)),
      actions.length ? h("div", {class: "live-directive-actions"}, actions) : null);
  }

  function renderDirectives() {
    if (DISPLAY) { renderDisplayDirectives(); return; }
    var card = byId("live-directives");
    if (!card || !S.conference) return;
    var list = directiveList();
    var me = directiveMe();
    var live = isLive();
    var recorder = !!me.can_record && live;
    card.classList.toggle("d-none", !list.length && !recorder);
    var drafts = list.filter(function (d) { return d.state === "draft"; }).length;
    setText(byId("directives-count"), list.length ? String(list.length) : "");
    var note = byId("directives-note");
    if (note) {
      var text = "", cls = "small text-muted";
      if (!live && (S.conference.status === "concluded" || S.conference.status === "archived")) text = D.frozen;
      else if (!live) text = D.not_live;
      else if (drafts && me.can_record) { text = plural(D.drafts_left, drafts); cls = "small text-warning-emphasis fw-semibold"; }
      else if (drafts) text = D.room_reads;
      else if (list.length) text = D.all_confirmed;
      note.className = cls;
      setText(note, text || "");
    }
    if (editing && !list.some(function (d) { return d.id === editing.id; })) stopEditing();
    fill(byId("directives-list"), list.length ? list.map(directiveRow)
      : h("li", {class: "live-empty", text: recorder ? D.room_reads : D.none}));
    var holder = byId("directives-form-holder");
    if (holder) {
      if (recorder && !directiveForm) holder.appendChild(buildDirectiveForm());
      if (directiveForm) {
        directiveForm.classList.toggle("d-none", !recorder);
        refreshItemChoices();
      }
    }
  }

  // The record / edit form: built once, so what the secretary types survives every update.
  var directiveForm = null;
  var editing = null;  // {id, number, version} while a directive is being edited

  function fieldBox(name, label, control, extra) {
    return h("div", {class: "live-directive-field field-" + name},
      h("label", {class: "form-label small mb-1", for: "directive-" + name, text: label}),
      control, extra || null,
      h("div", {class: "invalid-feedback d-block", "data-error-for": name}));
  }

  function unitOptions(select, units, placeholder) {
    fill(select, placeholder ? h("option", {value: "", text: placeholder}) : null);
    [[D.invited_units, true], [D.other_units, false]].forEach(function (group) {
      var members = units.filter(function (u) { return !!u.invited === group[1]; });
      if (!members.length) return;
      select.appendChild(h("optgroup", {label: group[0]}, members.map(function (u) {
        return h("option", {value: String(u.id), text: unitLabel(u)});
      })));
    });
  }

  function buildDirectiveForm() {
    var me = directiveMe();
    var units = me.units || [];
    var text = h("textarea", {class: "form-control", id: "directive-text", name: "text", rows: "3", maxlength: "5000",
      placeholder: D.text_placeholder, "data-testid": "directive-text-input"});
    var lead = h("select", {class: "form-select", id: "directive-lead_unit_id", name: "lead_unit_id", "data-testid": "directive-lead-input"});
    unitOptions(lead, units, D.choose_unit);
    var deadline = h("input", {class: "form-control", type: "date", id: "directive-deadline", name: "deadline",
      min: me.min_deadline || null, "data-testid": "directive-deadline-input"});
    var item = h("select", {class: "form-select", id: "directive-agenda_item_id", name: "agenda_item_id", "data-testid": "directive-item-input"});
    var chosen = h("span", {class: "text-muted small", id: "directive-coop-count"});
    var boxes = h("div", {class: "live-directive-units"});
    [[D.invited_units, true], [D.other_units, false]].forEach(function (group) {
      var members = units.filter(function (u) { return !!u.invited === group[1]; });
      if (!members.length) return;
      boxes.appendChild(h("div", {class: "live-directive-units-group", text: group[0]}));
      members.forEach(function (u) {
        boxes.appendChild(h("label", {class: "form-check"},
          h("input", {class: "form-check-input", type: "checkbox", name: "cooperating_unit_ids", value: String(u.id)}),
          h("span", {class: "form-check-label", text: unitLabel(u)})));
      });
    });
    var coop = h("details", {class: "live-directive-coop", "data-testid": "directive-cooperating-input"},
      h("summary", {class: "small"}, icon("people"), " ", D.cooperating_units, " ", chosen, " ",
        h("span", {class: "text-muted small", text: "· " + D.cooperating_hint})),
      boxes,
      h("div", {class: "invalid-feedback d-block", "data-error-for": "cooperating_unit_ids"}));
    var submit = h("button", {class: "btn btn-primary btn-sm", type: "submit", "data-testid": "directive-submit"},
      icon("plus-lg"), " ", h("span", {id: "directive-submit-label", text: D.record}));
    var cancel = h("button", {class: "btn btn-outline-secondary btn-sm d-none", type: "button", id: "directive-cancel",
      "data-testid": "directive-cancel", text: D.cancel, onclick: function () { stopEditing(); }});
    var form = h("form", {class: "live-directive-form", id: "directive-form", autocomplete: "off", novalidate: true, "data-testid": "directive-form"},
      h("div", {class: "live-subtitle mt-0"}, icon("plus-circle"), " ", h("span", {id: "directive-form-title", text: D.record_title})),
      fieldBox("text", D.text, text),
      h("div", {class: "live-directive-row"},
        fieldBox("lead_unit_id", D.lead_unit, lead),
        fieldBox("deadline", D.deadline, deadline),
        fieldBox("agenda_item_id", D.agenda_item, item)),
      coop,
      h("div", {class: "live-directive-buttons"}, submit, cancel,
        D.open_page && cfg.viewer_kind !== "site" && D.page_url ? h("a", {class: "small ms-auto", href: D.page_url.replace("{id}", cfg.conference_id),
          target: "_blank", rel: "noopener"}, icon("box-arrow-up-right"), " ", D.open_page) : null));
    form.addEventListener("input", function () { form.dataset.dirty = "1"; countChosen(); });
    form.addEventListener("change", function () { form.dataset.dirty = "1"; countChosen(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submitDirective(submit);
    });
    directiveForm = form;
    return form;
  }

  function countChosen() {
    if (!directiveForm) return;
    var n = directiveForm.querySelectorAll("input[name=cooperating_unit_ids]:checked").length;
    setText(byId("directive-coop-count"), n ? "(" + fmt(D.chosen, {count: n}) + ")" : "");
  }

  function refreshItemChoices() {
    var select = directiveForm && directiveForm.elements.agenda_item_id;
    if (!select) return;
    var current = currentItem();
    var keep = select.value;
    var untouched = !directiveForm.dataset.dirty && !editing;
    fill(select, [h("option", {value: "", text: D.no_item})].concat((S.agenda ? S.agenda.items : []).map(function (item) {
      var title = item.position + ". " + item.title;
      return h("option", {value: String(item.id), text: title.length > 60 ? title.slice(0, 59) + "…" : title});
    })));
    select.value = untouched ? (current ? String(current.id) : "") : keep;
  }

  function clearDirectiveErrors() {
    if (!directiveForm) return;
    directiveForm.querySelectorAll("[data-error-for]").forEach(function (node) { node.textContent = ""; });
    directiveForm.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
  }

  function showDirectiveErrors(errors) {
    Object.keys(errors || {}).forEach(function (name) {
      var box = directiveForm.querySelector("[data-error-for='" + name + "']");
      if (box) box.textContent = [].concat(errors[name]).map(String).join(" ");
      var control = directiveForm.elements[name];
      if (control && control.classList) control.classList.add("is-invalid");
      if (name === "cooperating_unit_ids") directiveForm.querySelector("details").open = true;
    });
  }

  function directivePayload() {
    var f = directiveForm.elements;
    var payload = {text: f.text.value.trim()};
    // A number as a number; anything else as typed, for the server to explain.
    var asNumber = function (raw) { return /^\d+$/.test(raw) ? parseInt(raw, 10) : raw; };
    if (f.lead_unit_id.value) payload.lead_unit_id = asNumber(f.lead_unit_id.value);
    if (f.deadline.value) payload.deadline = f.deadline.value;
    payload.agenda_item_id = f.agenda_item_id.value ? asNumber(f.agenda_item_id.value) : null;
    payload.cooperating_unit_ids = Array.prototype.map.call(
      directiveForm.querySelectorAll("input[name=cooperating_unit_ids]:checked"), function (box) { return asNumber(box.value); });
    return payload;
  }

  function submitDirective(submit) {
    clearDirectiveErrors();
    var payload = directivePayload();
    var name = "directive_record";
    if (editing) {
      name = "directive_edit";
      payload.directive_id = editing.id;
      payload.version = editing.version;
    }
    act(submit, name, payload).then(function (ack) {
      if (!ack.ok) { showDirectiveErrors(ack.errors); return; }
      if (editing) stopEditing();
      else resetDirectiveForm();
    });
  }

  function resetDirectiveForm() {
    if (!directiveForm) return;
    directiveForm.reset();
    directiveForm.dataset.dirty = "";
    clearDirectiveErrors();
    countChosen();
    refreshItemChoices();
  }

  function startEditing(d) {
    if (!directiveForm) return;
    editing = {id: d.id, number: d.number, version: d.version};
    clearDirectiveErrors();
    var f = directiveForm.elements;
    f.text.value = d.text;
    f.lead_unit_id.value = String(d.lead_unit.id);
    f.deadline.value = d.deadline;
    refreshItemChoices();
    f.agenda_item_id.value = d.agenda_item_id ? String(d.agenda_item_id) : "";
    var chosen = d.cooperating_units.map(function (u) { return String(u.id); });
    directiveForm.querySelectorAll("input[name=cooperating_unit_ids]").forEach(function (box) {
      box.checked = chosen.indexOf(box.value) !== -1;
    });
    countChosen();
    setText(byId("directive-form-title"), fmt(D.edit_title, {n: d.number}));
    setText(byId("directive-submit-label"), D.save);
    byId("directive-cancel").classList.remove("d-none");
    directiveForm.classList.add("is-editing");
    directiveForm.scrollIntoView({block: "nearest"});
    f.text.focus();
    markDirty("directives");
  }

  function stopEditing() {
    editing = null;
    if (!directiveForm) return;
    setText(byId("directive-form-title"), D.record_title);
    setText(byId("directive-submit-label"), D.record);
    byId("directive-cancel").classList.add("d-none");
    directiveForm.classList.remove("is-editing");
    resetDirectiveForm();
    markDirty("directives");
  }

  /* On the room display: the latest directives, big, drafts marked as such. */
  function renderDisplayDirectives() {
    var box = byId("display-directives");
    if (!box) return;
    var list = directiveList();
    box.classList.toggle("d-none", !list.length);
    document.body.classList.toggle("display-has-directives", list.length > 0);
    if (!list.length) { fill(box, null); return; }
    // The latest two (the one being read out is the last); the count says how many in all.
    var shown = list.slice(-2);
    var drafts = list.filter(function (d) { return d.state === "draft"; }).length;
    fill(box, [
      h("div", {class: "display-label"}, icon("check2-square"), " ", D.title,
        h("span", {class: "display-muted", text: " · " + plural(D.count, list.length)})),
      h("ol", {class: "display-directive-list"}, shown.map(function (d) {
        var draft = d.state === "draft";
        return h("li", {class: "display-directive" + (draft ? " is-draft" : ""), "data-state": d.state,
          "data-testid": "display-directive-" + d.number},
          h("span", {class: "display-directive-n", text: String(d.number)}),
          h("div", {class: "min-w-0"},
            draft ? h("span", {class: "display-directive-badge", text: (D.states || {}).draft || "draft"}) : null,
            h("div", {class: "display-directive-text", text: d.text}),
            h("div", {class: "display-directive-meta"}, icon("flag"), " ", d.lead_unit.name, "  ·  ", icon("calendar-event"), " ", deadlineText(d.deadline))));
      })),
      drafts ? h("div", {class: "display-muted display-directive-foot", text: plural(D.drafts_left, drafts)}) : null
    ]);
  }

  // --- every second: timers, projections, presence ageing ------------------------------------

  var lastPresenceAge = 0;
  function tick() {
    var now = serverNow();
    var item = currentItem();
    if (item) {
      var elapsed = elapsedOf(item, now);
      var remaining = item.planned_seconds - elapsed;
      var over = remaining < 0;
      setText(byId("now-elapsed"), duration(elapsed));
      setText(byId("now-remaining"), (over ? "+" : "") + duration(remaining));
      setText(byId("now-remaining-label"), over ? T.over_time : T.remaining);
      var box = byId("now-remaining-box");
      if (box) box.classList.toggle("is-over", over);
      var bar = byId("now-progress");
      if (bar) {
        var ratio = item.planned_seconds ? Math.min(1, elapsed / item.planned_seconds) : 1;
        bar.style.width = (ratio * 100).toFixed(1) + "%";
        bar.classList.toggle("bg-danger", over);
        bar.classList.toggle("bg-warning", !over && remaining < 60);
      }
      var timer = byId("display-timer");
      if (timer) {
        setText(timer, (over ? "+" : "") + duration(remaining));
        timer.classList.toggle("is-over", over);
        timer.classList.toggle("is-paused", item.status === "paused");
        setText(byId("display-timer-note"), (over ? T.over_time : T.remaining) + " · " + T.elapsed + " " +
          duration(elapsed) + " / " + duration(item.planned_seconds));
      }
    }
    if (S.floor && S.floor.speaking) {
      var granted = parseTime(S.floor.speaking.granted_at);
      setText(byId("speaker-time"), granted === null ? "" : duration(Math.max(0, (now - granted) / 1000)));
    }
    var projected = projections(now);
    document.querySelectorAll("[data-proj-start]").forEach(function (node) {
      var p = projected.items[node.getAttribute("data-proj-start")];
      if (p) setText(node, clock(p.start));
    });
    var endNode = byId("agenda-end");
    if (endNode && S.conference && S.agenda && S.agenda.items.length) {
      var scheduled = parseTime(S.agenda.planned_end || S.conference.ends_at);
      var late = projected.end !== null && scheduled !== null && projected.end > scheduled + 60000;
      setText(endNode, T.projected_end + " " + clock(projected.end) + " · " + T.scheduled_end + " " + clock(scheduled) +
        (late ? " · " + T.later_than_planned : ""));
      endNode.classList.toggle("text-danger", late);
      endNode.classList.toggle("text-muted", !late);
    }
    setText(byId("display-clock"), clock(now));
    // A site's "reconnecting" turns into "away" without a new event.
    if (S.presence && now - lastPresenceAge > 5000) {
      lastPresenceAge = now;
      var changed = S.presence.sites.some(function (site) {
        var node = document.querySelector("[data-site-state='" + site.id + "']");
        var state = siteState(site, now);
        return node && node.dataset.state !== state;
      });
      if (changed) renderPresence();
    }
  }

  // --- start ---------------------------------------------------------------------------------

  setupChatForm();
  var fullscreen = byId("display-fullscreen");
  if (fullscreen) {
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    });
  }
  setInterval(tick, 1000);

  // For the browser tests and for support: what the page applied last.
  window.liveRoom = {
    state: S,
    socket: socket,
    get seq() { return S.seq; }
  };
})();
