/* The draft page's comments, a little quicker with JavaScript; the page works without it.
 *
 * - The comment button opens one comment form under its paragraph (copied from a
 *   <template>), with the words selected in that paragraph as its quote.
 * - Comment, reply, edit and delete forms are sent with fetch (header X-Requested-With:
 *   fetch); the server answers with the rendered thread, which replaces the old one.
 *   A retried send carries the same idempotency key, so it never stores a comment twice.
 * - Reply and edit links fetch the thread with its form open (?reply= / ?edit=).
 * - Live: the /drafts Socket.IO namespace says which thread changed (ids only); the page
 *   fetches that thread again, which the server checks like any page. A thread with a
 *   form being typed in is left alone and marked as updated.
 * Words come from data-msg-* attributes of #draft-page; nothing typed is parsed as markup
 * except the server's own rendered fragments.
 */
(function () {
  "use strict";

  var page = document.getElementById("draft-page");
  if (!page) return;
  var draftId = Number(page.getAttribute("data-draft"));
  var version = Number(page.getAttribute("data-version"));
  var threadBase = page.getAttribute("data-thread-url").replace(/0$/, "");
  var template = document.getElementById("comment-form-template");
  var lastQuote = null; // {anchor, text}: the words last selected in a paragraph

  function msg(name) { return page.getAttribute("data-msg-" + name) || ""; }
  function byId(id) { return document.getElementById(id); }

  function randomKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function fragment(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function threadUrl(id, extra) {
    return threadBase + id + "?version=" + version + (extra ? "&" + extra : "");
  }

  // --- counts ------------------------------------------------------------------------------

  function paragraph(anchor) {
    var node = byId(anchor);
    return node && node.classList.contains("draft-paragraph") ? node : null;
  }

  function updateCount(anchor) {
    var p = paragraph(anchor);
    if (!p) return;
    var box = byId("threads-" + anchor);
    var n = box ? box.querySelectorAll(".comment-thread").length : 0;
    if (box && n === 0) box.parentNode.removeChild(box);
    var badge = p.querySelector(".comment-count");
    if (!badge && n > 0) {
      badge = document.createElement("a");
      badge.className = "comment-count";
      badge.href = "#threads-" + anchor;
      badge.title = msg("count");
      badge.innerHTML = '<i class="bi bi-chat-left-text-fill" aria-hidden="true"></i> <span class="n"></span>';
      p.querySelector(".draft-tools").insertBefore(badge, p.querySelector(".draft-tools").firstChild);
    }
    if (badge) {
      badge.querySelector(".n").textContent = String(n);
      badge.classList.toggle("d-none", n === 0);
    }
    p.classList.toggle("has-comments", n > 0);
    var total = document.querySelector("[data-testid=comments-total]");
    if (total) total.textContent = String(document.querySelectorAll(".draft-threads .comment-thread").length);
  }

  // --- putting a thread on the page ----------------------------------------------------------

  function place(node) {
    var id = node.getAttribute("data-thread");
    var anchor = node.getAttribute("data-anchor");
    var old = byId("t" + id);
    if (old) {
      old.parentNode.replaceChild(node, old);
    } else {
      var p = paragraph(anchor);
      if (!p) return;
      var box = byId("threads-" + anchor);
      if (!box) {
        box = document.createElement("div");
        box.className = "draft-threads";
        box.id = "threads-" + anchor;
        p.querySelector(".draft-main").appendChild(box);
      }
      var after = null;
      Array.prototype.forEach.call(box.children, function (child) {
        if (!after && Number(child.getAttribute("data-thread")) > Number(id)) after = child;
      });
      box.insertBefore(node, after);
    }
    setupForms(node);
    updateCount(anchor);
  }

  function removeThread(id) {
    var old = byId("t" + id);
    if (!old) return;
    var anchor = old.getAttribute("data-anchor");
    old.parentNode.removeChild(old);
    updateCount(anchor);
  }

  function refresh(id, extra) {
    return fetch(threadUrl(id, extra), {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.status === 404) { removeThread(id); return null; }
        if (!response.ok) return null;
        return response.text().then(function (html) {
          var node = fragment(html);
          if (node) place(node);
          return node;
        });
      });
  }

  // --- forms ------------------------------------------------------------------------------------

  function toggleSuggestion(form) {
    var field = form.querySelector(".suggestion-field");
    var chosen = form.querySelector("input[name=kind]:checked");
    if (field && chosen) field.classList.toggle("d-none", chosen.value !== "suggestion");
  }

  function setupForms(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form.comment-form"), toggleSuggestion);
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".js-feedback"), function (n) { n.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll(".is-invalid"), function (n) { n.classList.remove("is-invalid"); });
    var alert = form.querySelector(".form-alert");
    if (alert) { alert.textContent = ""; alert.classList.add("d-none"); }
  }

  function showErrors(form, body) {
    var alert = form.querySelector(".form-alert");
    var errors = (body && body.errors) || {};
    var onFields = Object.keys(errors).some(function (name) {
      return form.querySelector("[name=" + name + "]:not([type=hidden])");
    });
    if (alert) {
      // A message repeated beside its field needs no second copy on top.
      alert.textContent = onFields ? msg("invalid") : (body && body.message) || msg("failed");
      alert.classList.remove("d-none");
    }
    Object.keys(errors).forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]:not([type=hidden])");
      if (!input) {
        if (alert) alert.textContent += " " + errors[name].join(" ");
        return;
      }
      input.classList.add("is-invalid");
      var note = document.createElement("div");
      note.className = "invalid-feedback d-block js-feedback";
      note.textContent = errors[name].join(" ");
      input.insertAdjacentElement("afterend", note);
    });
  }

  function send(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    clearErrors(form);
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
    }).then(function (response) {
      if (response.ok) return response.status === 204 ? "" : response.text();
      return response.json().catch(function () { return null; }).then(function (body) {
        throw {body: body};
      });
    }).catch(function (error) {
      if (button) button.disabled = false;
      showErrors(form, error && error.body);
      throw error;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!page.contains(form) && !form.closest("#orphaned")) return;
    if (form.classList.contains("comment-delete")) {
      event.preventDefault();
      if (!window.confirm(form.getAttribute("data-confirm"))) return;
      var thread = form.closest(".comment-thread");
      send(form).then(function (html) {
        if (html) place(fragment(html));
        else if (thread) removeThread(thread.getAttribute("data-thread"));
      }).catch(function (error) {
        window.alert((error && error.body && error.body.message) || msg("failed"));
      });
      return;
    }
    if (!form.classList.contains("comment-form")) return;
    event.preventDefault();
    send(form).then(function (html) {
      var node = fragment(html);
      if (form.classList.contains("comment-new")) {
        lastQuote = null;
        form.parentNode.removeChild(form);
      }
      if (node) {
        place(node);
        node.scrollIntoView({block: "nearest"});
      }
    }).catch(function () { /* shown in the form; the same key is sent again on retry */ });
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") toggleSuggestion(event.target.form);
  });

  function openCommentForm(anchor) {
    var p = paragraph(anchor);
    if (!p || !template) return;
    var open = p.querySelector("form.comment-new");
    if (!open) {
      open = template.content.firstElementChild.cloneNode(true);
      open.querySelector("input[name=anchor]").value = anchor;
      open.querySelector("input[name=idempotency_key]").value = randomKey();
      Array.prototype.forEach.call(open.querySelectorAll("[id]"), function (node) {
        var label = open.querySelector("label[for='" + node.id + "']");
        node.id = node.id.replace(/-new$/, "-" + anchor);
        if (label) label.setAttribute("for", node.id);
      });
      var title = p.querySelector(".comment-add");
      if (title) open.querySelector(".comment-form-title").textContent = title.getAttribute("title");
      p.querySelector(".draft-line").insertAdjacentElement("afterend", open);
      toggleSuggestion(open);
    }
    if (lastQuote && lastQuote.anchor === anchor) open.querySelector("input[name=quote]").value = lastQuote.text;
    open.querySelector("textarea[name=body]").focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-comment]");
    if (add && page.contains(add)) {
      event.preventDefault();
      openCommentForm(add.getAttribute("data-comment"));
      return;
    }
    var cancel = event.target.closest(".comment-cancel");
    if (cancel && cancel.closest("form.comment-new")) {
      event.preventDefault();
      var form = cancel.closest("form");
      form.parentNode.removeChild(form);
      return;
    }
    var link = event.target.closest(".js-thread-form, .thread-cancel");
    if (link) {
      var thread = link.closest(".comment-thread");
      if (!thread) return;
      event.preventDefault();
      var extra = link.classList.contains("thread-cancel") ? "" : link.getAttribute("data-form");
      refresh(thread.getAttribute("data-thread"), extra).then(function (node) {
        var box = node && node.querySelector("textarea");
        if (box) box.focus();
      }).catch(function () { window.location.href = link.href; });
    }
  });

  // --- quoting the selected words ---------------------------------------------------------------

  function markSelection(anchor) {
    Array.prototype.forEach.call(page.querySelectorAll(".comment-add.has-selection"), function (n) {
      n.classList.remove("has-selection");
      n.setAttribute("title", n.getAttribute("data-title") || n.getAttribute("title"));
    });
    var p = anchor && paragraph(anchor);
    var button = p && p.querySelector(".comment-add");
    if (button) {
      button.setAttribute("data-title", button.getAttribute("data-title") || button.getAttribute("title"));
      button.setAttribute("title", msg("quote"));
      button.classList.add("has-selection");
    }
  }

  function rememberSelection() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    var range = selection.getRangeAt(0);
    var start = range.startContainer.parentElement && range.startContainer.parentElement.closest(".draft-content");
    var end = range.endContainer.parentElement && range.endContainer.parentElement.closest(".draft-content");
    if (!start || start !== end) return;
    var text = selection.toString().replace(/^[\s•]+/, "").replace(/\s+/g, " ").trim();
    if (!text) return;
    var anchor = start.closest(".draft-paragraph").getAttribute("data-anchor");
    lastQuote = {anchor: anchor, text: text.slice(0, 2000)};
    markSelection(anchor);
    var open = paragraph(anchor).querySelector("form.comment-new input[name=quote]");
    if (open) open.value = lastQuote.text;
  }

  page.addEventListener("mouseup", function () { window.setTimeout(rememberSelection, 0); });
  page.addEventListener("keyup", function (event) { if (event.shiftKey) rememberSelection(); });
  page.addEventListener("mousedown", function (event) {
    if (!event.target.closest(".comment-add") && !event.target.closest("form")) {
      lastQuote = null;
      markSelection(null);
    }
  });

  setupForms(document);

  // --- live: comments written elsewhere -----------------------------------------------------------

  if (typeof io !== "function") return;
  var socket = io("/drafts", {query: {draft: String(draftId)}});
  var connectedBefore = false;
  socket.on("connect", function () {
    var status = document.querySelector("[data-testid=live-status]");
    if (status) status.classList.remove("d-none");
    if (connectedBefore && status) status.textContent = msg("reconnected");
    connectedBefore = true;
  });

  socket.on("comment", function (news) {
    if (!news || news.draft_id !== draftId) return;
    var existing = byId("t" + news.thread_id);
    if (news.action === "deleted" && news.thread_id === news.comment_id) {
      removeThread(news.thread_id);
      return;
    }
    if (!existing && (news.version > version || !paragraph(news.anchor))) return;
    if (existing) {
      var typing = Array.prototype.some.call(existing.querySelectorAll("form textarea"), function (box) {
        return box.value.trim() !== "";
      });
      if (typing) { existing.classList.add("is-updated"); return; }
    }
    refresh(news.thread_id).then(function (node) {
      if (node && !existing) node.classList.add("is-updated");
    }).catch(function () { /* the next change or a reload shows it */ });
  });
})();
