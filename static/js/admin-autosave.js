// The article form never loses what was typed: every few seconds its unsaved state goes to the server
// (and, while offline, stays in this browser until the connection returns); coming back after a closed
// tab or a crash offers it again. It also shows who else is editing the article, asks before leaving
// unsaved changes, and saves with Ctrl+S / Cmd+S. The server side is articles/admin_autosave.py.
// Another form is kept the same way when it names its endpoint and its form token (data-autosave-endpoint,
// data-autosave-form), as the live desk's update form does.
(function () {
  "use strict";

  var SAVE_DELAY = 3000;
  var HEARTBEAT = 15000;
  var STORAGE_PREFIX = "newsroom-autosave:";
  var NEW_FORM_KEY = "newsroom-autosave-new-form";
  // Fields that say nothing about the article: the form's own machinery.
  var SKIPPED = /^(csrfmiddlewaretoken|expected_version|autosave_form|_save|_continue|_addanother|_saveasnew)$|-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$|__prefix__/;
  var INLINE_FIELD = /^(.+)-(\d+)-([^-]+)$/;

  var match = window.location.pathname.match(/^(.*\/)(?:(\d+)\/change|add)\/$/);
  var endpoint = match && match[1] + "autosave/";
  var articleId = match && match[2] ? Number(match[2]) : null;
  // The token of a form that is not the article form: one per person and form, so the server finds it again.
  var fixedToken = null;
  var saveHint = "Save to put them in the article.";
  var offerText = null;

  var form, token, storageKey, csrfToken, savedSnapshot, lastSent = null;
  var edited = false, submitting = false, offerOpen = false, timer = null;
  var editors = new Map();
  var panel, statusLine, presence;

  // The rich-text editor announces itself; restoring a body goes through it.
  document.addEventListener("prose-editor:ready", function (event) {
    editors.set(event.detail.textarea, event.detail.editor);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var otherForm = document.querySelector("form[data-autosave-endpoint][data-autosave-form]");
    if (otherForm) {
      form = otherForm;
      endpoint = form.dataset.autosaveEndpoint;
      articleId = null;
      fixedToken = form.dataset.autosaveForm;
      saveHint = form.dataset.autosaveHint || saveHint;
      offerText = form.dataset.autosaveOffer || null;
    } else {
      form = match && document.getElementById("article_form");
      if (!form || !form.querySelector('[name="_continue"]')) { return; }
    }
    csrfToken = form.elements.csrfmiddlewaretoken.value;
    if (fixedToken) {
      token = fixedToken;
    } else {
      token = articleId ? randomToken() : (sessionStorage.getItem(NEW_FORM_KEY) || randomToken());
      if (!articleId) { sessionStorage.setItem(NEW_FORM_KEY, token); }
    }
    var tokenInput = document.createElement("input");
    tokenInput.type = "hidden";
    tokenInput.name = "autosave_form";
    tokenInput.value = token;
    form.appendChild(tokenInput);
    storageKey = localKey(fixedToken ? "form-" + token : articleId ? "article-" + articleId : "new-" + token);
    buildPanel();

    // A form sent back with errors holds changes the article does not have yet.
    var sentBackWithErrors = Boolean(document.querySelector(".errornote"));
    savedSnapshot = sentBackWithErrors ? null : JSON.stringify(serialize());

    form.addEventListener("input", noteEdit);
    form.addEventListener("change", noteEdit);
    if (window.django && window.django.jQuery) { window.django.jQuery(form).on("change", noteEdit); }
    form.addEventListener("submit", function () {
      submitting = true;
      window.clearTimeout(timer);
    });
    window.addEventListener("beforeunload", warnBeforeLeaving);
    document.addEventListener("keydown", saveOnShortcut);
    window.addEventListener("online", function () { sendLocalCopies().then(heartbeat); });
    window.setInterval(heartbeat, HEARTBEAT);

    sendLocalCopies().then(function () {
      if (sentBackWithErrors) {
        edited = true;
        return saveNow();
      }
      return heartbeat().then(function () {
        return request("GET", endpoint + (articleId ? "?article=" + articleId : ""));
      }).then(function (answer) {
        if (answer.ok && answer.data.draft) { offer(answer.data.draft); }
      });
    });
  });

  function randomToken() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (byte) { return ("0" + byte.toString(16)).slice(-2); }).join("");
  }

  // Local copies are per person: two people may share a browser.
  function localKey(name) {
    var user = document.querySelector("#user-tools strong");
    return STORAGE_PREFIX + (user ? user.textContent.trim() : "") + ":" + name;
  }

  function isFormField(element) {
    return element.name && !element.disabled && !SKIPPED.test(element.name) &&
      ["file", "submit", "button", "reset", "image"].indexOf(element.type) < 0;
  }

  // The form as [name, value] entries, with the shown text of each chosen option.
  function serialize() {
    var entries = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!isFormField(element)) { return; }
      if ((element.type === "checkbox" || element.type === "radio") && !element.checked) { return; }
      if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.selectedOptions, function (option) {
          entries.push([element.name, option.value, option.textContent.trim()]);
        });
        return;
      }
      entries.push([element.name, element.value]);
    });
    return entries;
  }

  function isDirty() {
    return edited && JSON.stringify(serialize()) !== savedSnapshot;
  }

  function noteEdit() {
    if (submitting) { return; }
    edited = true;
    if (offerOpen) {
      // Sending this form now would replace the changes offered above before their owner chose.
      showStatus("Autosave waits until you restore or discard the unsaved changes above.");
      return;
    }
    if (!timer) { timer = window.setTimeout(saveNow, SAVE_DELAY); }
  }

  function report(withFields) {
    var version = form.elements.expected_version && form.elements.expected_version.value;
    var body = { article: articleId, form: token, base_version: version ? Number(version) : null };
    if (withFields) { body.fields = serialize(); }
    return body;
  }

  function saveNow() {
    timer = null;
    if (offerOpen || submitting) { return Promise.resolve(); }
    var body = report(true);
    var text = JSON.stringify(body.fields);
    if (text === lastSent) { return heartbeat(); }
    localStorage.setItem(storageKey, JSON.stringify(body));
    return send(body).then(function (answer) {
      if (answer.ok) {
        lastSent = text;
        localStorage.removeItem(storageKey);
        showStatus("Unsaved changes kept on the server at " + answer.data.kept_at + ". " + saveHint);
        showOthers(answer.data.others);
      } else if (answer.offline) {
        showStatus("Offline: your changes are kept in this browser and will be sent when the connection returns.");
      } else {
        showStatus("Your changes could not be kept on the server: " + answer.data.error);
      }
    });
  }

  function heartbeat() {
    if (submitting) { return Promise.resolve(); }
    if (edited && !offerOpen && JSON.stringify(serialize()) !== lastSent) { return saveNow(); }
    if (!articleId) { return Promise.resolve(); }
    return send(report(false)).then(function (answer) {
      if (answer.ok) { showOthers(answer.data.others); }
    });
  }

  // Copies kept while offline, of this form or of any other article form this person left, go to the server
  // first. Another form's copy waits for that form: its endpoint is not this one.
  function sendLocalCopies() {
    var prefix = localKey("");
    var otherForms = localKey("form-");
    var pending = [];
    for (var index = 0; index < localStorage.length; index++) {
      var key = localStorage.key(index);
      var sendable = fixedToken ? key === storageKey : key.indexOf(prefix) === 0 && key.indexOf(otherForms) !== 0;
      if (sendable) { pending.push(key); }
    }
    return Promise.all(pending.map(function (key) {
      var body;
      try { body = JSON.parse(localStorage.getItem(key)); } catch (error) { body = null; }
      if (!body) { localStorage.removeItem(key); return null; }
      return send(body).then(function (answer) {
        // A copy the server refuses (the article is gone, or no longer this person's) would be refused forever.
        if (!answer.offline) { localStorage.removeItem(key); }
        if (answer.ok && key === storageKey) {
          lastSent = JSON.stringify(body.fields);
          showStatus("Changes made offline were sent to the server at " + answer.data.kept_at + ".");
        }
      });
    }));
  }

  function send(body) {
    return request("POST", endpoint, body);
  }

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken } };
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return { error: response.statusText }; }).then(function (data) {
        return { ok: response.ok, offline: response.status >= 500, data: data };
      });
    }, function () {
      return { ok: false, offline: true, data: {} };
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function buildPanel() {
    panel = element("div", "autosave-panel");
    presence = element("div", "autosave-presence");
    presence.setAttribute("role", "status");
    statusLine = element("p", "autosave-status");
    statusLine.setAttribute("role", "status");
    statusLine.tabIndex = -1;
    panel.append(presence, statusLine);
    form.before(panel);
  }

  function showStatus(text) {
    statusLine.textContent = text;
  }

  function showOthers(others) {
    var lines = (others || []).map(function (other) {
      return element("p", null, other.name + " is editing this article (since " + other.since + ").");
    });
    presence.replaceChildren.apply(presence, lines);
  }

  // Each field's entries: the values, and the text shown for each.
  function byName(entries) {
    var fields = new Map();
    entries.forEach(function (entry) {
      if (SKIPPED.test(entry[0])) { return; }
      if (!fields.has(entry[0])) { fields.set(entry[0], { values: [], shown: [] }); }
      var field = fields.get(entry[0]);
      field.values.push(entry[1]);
      field.shown.push(entry.length > 2 ? entry[2] : entry[1]);
    });
    return fields;
  }

  function differences(draftEntries) {
    var draft = byName(draftEntries);
    var saved = byName(serialize());
    var names = Array.from(new Set(Array.from(saved.keys()).concat(Array.from(draft.keys()))));
    var empty = { values: [], shown: [] };
    return names.filter(function (name) {
      return JSON.stringify((draft.get(name) || empty).values) !== JSON.stringify((saved.get(name) || empty).values);
    }).map(function (name) {
      return { label: labelOf(name), saved: readable(name, saved.get(name) || empty), unsaved: readable(name, draft.get(name) || empty) };
    });
  }

  function fieldElement(name) {
    var found = form.elements[name];
    return found && found.length !== undefined && !found.tagName ? found[0] : found;
  }

  function labelOf(name) {
    var field = fieldElement(name);
    var label = field && field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
    if (label) { return label.textContent.replace(/:\s*$/, "").trim(); }
    var inline = name.match(INLINE_FIELD);
    if (inline) {
      var heading = document.querySelector("#" + CSS.escape(inline[1] + "-group") + " h2");
      var group = heading ? heading.textContent.trim() : inline[1];
      return group + ", row " + (Number(inline[2]) + 1) + ": " + inline[3].replace(/_/g, " ");
    }
    return name.replace(/_/g, " ");
  }

  function readable(name, field) {
    var shown = field.shown;
    var control = fieldElement(name);
    if (control && control.closest && control.closest(".prose-editor")) {
      shown = shown.map(function (html) { return new DOMParser().parseFromString(html, "text/html").body.textContent; });
    }
    return shown.join(", ") || "(empty)";
  }

  function offer(draft) {
    var changes = differences(draft.fields || []);
    if (!changes.length) {
      // What was kept is what the article holds now: nothing to offer.
      discardDraft(draft);
      return;
    }
    offerOpen = true;
    var box = element("section", "autosave-offer");
    box.setAttribute("aria-labelledby", "autosave-offer-title");
    var title = element("h2", null, "Restore your unsaved changes from " + draft.saved_at_label);
    title.id = "autosave-offer-title";
    var detail = element("p", null, offerText || (changes.length === 1
      ? "One field differs from the saved article."
      : changes.length + " fields differ from the saved article."));
    box.append(title, detail);
    var version = form.elements.expected_version && Number(form.elements.expected_version.value);
    if (draft.base_version && version && draft.base_version !== version) {
      box.append(element("p", "autosave-warning",
        "The article has been saved since these changes were made. Restored, they can only be saved " +
        "after you reload the article and apply them again, so that the newer version is not overwritten."));
    }
    var list = element("dl", "autosave-changes");
    list.id = "autosave-changes";
    list.hidden = true;
    changes.forEach(function (change) {
      var description = element("dd");
      description.append(element("span", "autosave-was", "Saved: " + change.saved),
        element("span", "autosave-now", "Unsaved: " + change.unsaved));
      list.append(element("dt", null, change.label), description);
    });
    var actions = element("div", "autosave-actions");
    var compare = button("Compare", "button");
    compare.setAttribute("aria-expanded", "false");
    compare.setAttribute("aria-controls", list.id);
    compare.addEventListener("click", function () {
      list.hidden = !list.hidden;
      compare.setAttribute("aria-expanded", String(!list.hidden));
    });
    var restore = button("Restore", "button default");
    restore.addEventListener("click", function () {
      restoreDraft(draft);
      close(box, "Your unsaved changes from " + draft.saved_at_label + " are back in the form. Save to keep them.");
    });
    var drop = button("Discard", "button");
    drop.addEventListener("click", function () {
      discardDraft(draft);
      close(box, "Your unsaved changes from " + draft.saved_at_label + " were discarded.");
    });
    actions.append(compare, restore, drop);
    box.append(actions, list);
    panel.prepend(box);
  }

  function button(text, className) {
    var node = element("button", className, text);
    node.type = "button";
    return node;
  }

  function close(box, message) {
    box.remove();
    offerOpen = false;
    showStatus(message);
    statusLine.focus();
    if (edited) { saveNow(); }
  }

  function discardDraft(draft) {
    request("POST", endpoint + "discard/", { article: articleId, form: draft.form || token });
  }

  function restoreDraft(draft) {
    if (!articleId && !fixedToken && draft.form) {
      token = draft.form;
      form.elements.autosave_form.value = token;
      sessionStorage.setItem(NEW_FORM_KEY, token);
      storageKey = localKey("new-" + token);
    }
    fill(draft.fields);
    // The version it was typed on: saving over a newer one is refused as an edit conflict.
    if (draft.base_version && form.elements.expected_version) { form.elements.expected_version.value = draft.base_version; }
    edited = true;
    lastSent = JSON.stringify(serialize());
  }

  function fill(entries) {
    var draft = byName(entries);
    draft.forEach(function (field, name) { addInlineRowFor(name); });
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!isFormField(control)) { return; }
      var field = draft.get(control.name) || { values: [], shown: [] };
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = field.values.indexOf(control.value) >= 0;
      } else if (control.tagName === "SELECT") {
        field.values.forEach(function (value, index) {
          if (!Array.prototype.some.call(control.options, function (option) { return option.value === value; })) {
            control.add(new Option(field.shown[index], value));
          }
        });
        Array.prototype.forEach.call(control.options, function (option) {
          option.selected = field.values.indexOf(option.value) >= 0;
        });
        if (window.django && window.django.jQuery) { window.django.jQuery(control).trigger("change.select2"); }
      } else if (draft.has(control.name)) {
        control.value = field.values[0];
        var editor = editors.get(control);
        if (editor) { editor.commands.setContent(control.value, { emitUpdate: false }); }
      }
    });
    form.dispatchEvent(new CustomEvent("autosave:restored"));
  }

  // A byline or correction added before the tab closed needs its row back before it can be filled.
  function addInlineRowFor(name) {
    var inline = name.match(INLINE_FIELD);
    var total = inline && form.elements[inline[1] + "-TOTAL_FORMS"];
    if (!total) { return; }
    var add = document.querySelector("#" + CSS.escape(inline[1] + "-group") + " .add-row a");
    while (add && Number(total.value) <= Number(inline[2])) {
      var before = total.value;
      add.click();
      if (total.value === before) { return; }
    }
  }

  function warnBeforeLeaving(event) {
    if (submitting || !isDirty()) { return; }
    event.preventDefault();
    event.returnValue = "";
  }

  function saveOnShortcut(event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "s") { return; }
    var saveAndContinue = form.querySelector('[name="_continue"]');
    if (!saveAndContinue) { return; }
    event.preventDefault();
    form.requestSubmit(saveAndContinue);
  }
})();
