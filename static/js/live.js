// Live coverage for readers with JavaScript (articles/live.py). Without it the page works by reloading.
// Asks the server, at the interval it sets, for the updates newer than the newest on the page; says how
// many there are in a polite live region, and inserts them only when the reader asks, so nothing moves
// under their eyes. Pauses while the tab is hidden, waits longer after each error, stops when coverage ends.
(function () {
  "use strict";

  var MAX_BACKOFF_SECONDS = 300;

  function start(stream) {
    var pollUrl = stream.getAttribute("data-poll-url");
    var updates = stream.querySelector("[data-live-updates]");
    var notice = stream.querySelector("[data-live-notice]");
    var earlier = stream.querySelector("[data-live-earlier]");
    if (earlier) {
      earlier.addEventListener("click", function (event) {
        event.preventDefault();
        loadEarlier(pollUrl, updates, earlier);
      });
    }
    var seconds = Number(stream.getAttribute("data-poll-seconds"));
    if (!notice || !seconds) {
      return;
    }
    var state = {
      newest: stream.getAttribute("data-newest") || "",
      seconds: seconds,
      failures: 0,
      etag: null,
      etagUrl: null,
      timer: null,
      pending: [],
      complete: true,
      stopped: false,
    };

    function schedule(delaySeconds) {
      window.clearTimeout(state.timer);
      if (!state.stopped && !document.hidden) {
        state.timer = window.setTimeout(poll, delaySeconds * 1000);
      }
    }

    function backOff() {
      state.failures += 1;
      schedule(Math.min(state.seconds * Math.pow(2, state.failures), MAX_BACKOFF_SECONDS));
    }

    function poll() {
      var url = pollUrl + (state.newest ? "?after=" + encodeURIComponent(state.newest) : "");
      var headers = { Accept: "application/json" };
      if (state.etag && state.etagUrl === url) {
        headers["If-None-Match"] = state.etag;
      }
      fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (response.status === 304) {
            state.failures = 0;
            schedule(state.seconds);
            return;
          }
          if (response.status === 400 && state.newest) {
            // The newest update the page has was withdrawn: ask for the newest there are instead.
            state.newest = "";
            schedule(0);
            return;
          }
          if (response.status >= 400 && response.status < 500) {
            // The coverage is gone: a reload shows what there is now.
            state.stopped = true;
            return;
          }
          if (!response.ok) {
            backOff();
            return;
          }
          state.etag = response.headers.get("ETag");
          state.etagUrl = url;
          return response.json().then(received);
        })
        .catch(backOff);
    }

    function received(answer) {
      state.failures = 0;
      var fresh = unseen(answer.html);
      if (fresh.length) {
        state.pending = fresh.concat(state.pending);
        state.complete = state.complete && answer.complete;
        announce();
      }
      if (answer.newest) {
        state.newest = String(answer.newest);
      }
      showBadge(answer.badge);
      if (answer.poll_seconds) {
        state.seconds = answer.poll_seconds;
        schedule(state.seconds);
      } else {
        state.stopped = true;
      }
    }

    // The answer's updates that neither the page nor the notice holds yet.
    function unseen(html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      return Array.prototype.filter.call(holder.children, function (update) {
        return !document.getElementById(update.id) && !state.pending.some(function (held) {
          return held.id === update.id;
        });
      });
    }

    function showBadge(text) {
      var badge = document.querySelector(".story__live .live-badge");
      if (badge && text && badge.textContent !== text) {
        badge.textContent = text;
        badge.classList.remove("live-badge--running");
      }
    }

    function announce() {
      var button = notice.querySelector("button");
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "live-button live-stream__show";
        button.addEventListener("click", show);
        notice.appendChild(button);
      }
      var count = state.pending.length;
      button.textContent = count + (count === 1 ? " new update" : " new updates") + " — show";
    }

    function show() {
      if (!state.complete) {
        // More arrived than one answer holds: the page itself has them all.
        window.location.reload();
        return;
      }
      var empty = updates.querySelector(".live-stream__empty");
      if (empty) {
        empty.remove();
      }
      var fragment = document.createDocumentFragment();
      state.pending.forEach(function (update) {
        fragment.appendChild(update);
      });
      var first = state.pending[0];
      updates.insertBefore(fragment, updates.firstChild);
      state.pending = [];
      notice.textContent = "";
      first.setAttribute("tabindex", "-1");
      first.focus();
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        window.clearTimeout(state.timer);
      } else {
        schedule(0);
      }
    });
    schedule(state.seconds);
  }

  function loadEarlier(pollUrl, updates, link) {
    var before = link.getAttribute("data-before");
    link.setAttribute("aria-disabled", "true");
    fetch(pollUrl + "?before=" + encodeURIComponent(before), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        var holder = document.createElement("div");
        holder.innerHTML = answer.html;
        var first = holder.firstElementChild;
        while (holder.firstChild) {
          updates.appendChild(holder.firstChild);
        }
        if (answer.earlier_than) {
          link.setAttribute("data-before", answer.earlier_than);
          link.href = "?before=" + answer.earlier_than + "#updates-heading";
          link.removeAttribute("aria-disabled");
        } else {
          link.parentNode.remove();
        }
        if (first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
      })
      .catch(function () {
        // The page of earlier updates itself, as without JavaScript.
        window.location.href = link.href;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stream = document.querySelector("[data-live-stream]");
    if (stream) {
      start(stream);
    }
  });
})();
