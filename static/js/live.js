/*
 * Live updates for a story page, without a reload and without moving the page under the reader.
 *
 * Configuration comes from the element with id="updates" (no inline script):
 *   data-poll-url   the poll endpoint (required)
 *   data-after      the sequence the page was rendered at (or data-update-sequence)
 *   data-story-slug names the localStorage entry for "since your last visit" (optional)
 *   data-poll-interval seconds before the first poll (optional; default 15)
 * Update articles inside it carry id="update-<id>", data-update-id and, if pinned,
 * data-pinned="true" or the class update--pinned.
 *
 * The server decides the pace: each answer names the poll interval, 0 meaning coverage has ended.
 * The client polls with the sequence cursor and If-None-Match, slows down in a hidden tab, backs off
 * exponentially on errors, and never inserts above the reader: new posts wait behind a button.
 */
(function () {
  "use strict";

  var root = document.getElementById("updates");
  if (!root || !root.dataset.pollUrl || !window.fetch) {
    return;
  }

  var HIDDEN_FACTOR = 4;
  var HIDDEN_MINIMUM = 60000;
  var ERROR_CEILING = 300000;

  var pollUrl = new URL(root.dataset.pollUrl, window.location.href);
  var cursor = parseInt(root.dataset.after || root.dataset.updateSequence || "0", 10) || 0;
  var interval = (parseInt(root.dataset.pollInterval, 10) || 15) * 1000;
  var etag = null;
  var failures = 0;
  var timer = null;
  var stopped = false;
  var lastPollAt = Date.now();
  var pending = new Map();
  var storageKey = "newsroom:last-seen:" + (root.dataset.storySlug || pollUrl.pathname);

  var notice = document.createElement("button");
  notice.type = "button";
  notice.className = "updates-notice";
  notice.hidden = true;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  root.parentNode.insertBefore(notice, root);
  root.parentNode.insertBefore(status, root);

  function articles() {
    return Array.prototype.slice.call(root.querySelectorAll("article[data-update-id]"));
  }

  function isPinned(article) {
    return article.dataset.pinned === "true" || article.classList.contains("update--pinned");
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  /* "Since your last visit": the highest update id this browser has shown the reader. */
  function readLastSeen() {
    try {
      var value = parseInt(window.localStorage.getItem(storageKey), 10);
      return isNaN(value) ? null : value;
    } catch (error) {
      return null;
    }
  }

  function rememberSeen() {
    var highest = articles().reduce(function (max, article) {
      return Math.max(max, parseInt(article.dataset.updateId, 10) || 0);
    }, readLastSeen() || 0);
    try {
      window.localStorage.setItem(storageKey, String(highest));
    } catch (error) {
      /* Private mode or storage full: the page still works, it just forgets. */
    }
  }

  function markNewSinceLastVisit(lastSeen) {
    if (lastSeen === null) {
      return;
    }
    articles().forEach(function (article) {
      if ((parseInt(article.dataset.updateId, 10) || 0) > lastSeen) {
        markNew(article, "New since your last visit");
      }
    });
  }

  function markNew(article, label) {
    if (article.querySelector(".update-new-badge")) {
      return;
    }
    article.classList.add("update--new");
    var badge = document.createElement("span");
    badge.className = "update-new-badge tag";
    badge.textContent = label;
    var meta = article.querySelector(".update__meta") || article.firstElementChild || article;
    meta.appendChild(badge);
  }

  function renderNotice() {
    var count = pending.size;
    notice.hidden = count === 0;
    notice.textContent = count === 1 ? "1 new update" : count + " new updates";
    status.textContent = count ? notice.textContent + " available" : "";
  }

  function insertAtTop(article) {
    var firstUnpinned = articles().filter(function (candidate) {
      return !isPinned(candidate);
    })[0];
    if (isPinned(article)) {
      var first = articles()[0];
      root.insertBefore(article, first || null);
    } else if (firstUnpinned) {
      firstUnpinned.parentNode.insertBefore(article, firstUnpinned);
    } else {
      root.appendChild(article);
    }
  }

  function showPending() {
    var items = Array.from(pending.values()).sort(function (a, b) {
      return a.id - b.id;
    });
    pending.clear();
    var inserted = [];
    items.forEach(function (item) {
      var article = fragment(item.html);
      markNew(article, "New");
      insertAtTop(article);
      inserted.push(article);
    });
    var empty = root.querySelector("[data-updates-empty]");
    if (empty && inserted.length) {
      empty.remove();
    }
    renderNotice();
    rememberSeen();
    var newest = inserted[inserted.length - 1];
    if (newest) {
      newest.setAttribute("tabindex", "-1");
      newest.focus({ preventScroll: false });
    }
  }

  function apply(data) {
    (data.updates || []).forEach(function (item) {
      var existing = document.getElementById("update-" + item.id);
      if (existing) {
        var replacement = fragment(item.html);
        if (existing.classList.contains("update--new")) {
          markNew(replacement, "New");
        }
        if (isPinned(replacement) !== isPinned(existing)) {
          existing.remove();
          insertAtTop(replacement);
        } else {
          existing.replaceWith(replacement);
        }
      } else {
        pending.set(item.id, item);
      }
    });
    (data.removed || []).forEach(function (id) {
      pending.delete(id);
      var gone = document.getElementById("update-" + id);
      if (gone) {
        gone.remove();
      }
    });
    renderNotice();
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
    timer = null;
    root.dataset.liveState = "ended";
  }

  function delay() {
    if (failures) {
      var backoff = Math.min(interval * Math.pow(2, failures), ERROR_CEILING);
      return backoff / 2 + Math.random() * backoff / 2;
    }
    if (document.hidden) {
      return Math.max(interval * HIDDEN_FACTOR, HIDDEN_MINIMUM);
    }
    return interval;
  }

  function schedule(wait) {
    window.clearTimeout(timer);
    if (!stopped) {
      timer = window.setTimeout(poll, wait === undefined ? delay() : wait);
    }
  }

  function adoptInterval(seconds) {
    var value = parseInt(seconds, 10);
    if (value === 0) {
      stop();
    } else if (value > 0) {
      interval = value * 1000;
    }
  }

  function failed(permanent) {
    if (permanent) {
      stop();
      return;
    }
    failures += 1;
    schedule();
  }

  function poll() {
    timer = null;
    if (stopped) {
      return;
    }
    lastPollAt = Date.now();
    pollUrl.searchParams.set("after", String(cursor));
    var headers = { Accept: "application/json" };
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    window.fetch(pollUrl.toString(), { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) {
          failures = 0;
          adoptInterval(response.headers.get("X-Poll-Interval"));
          schedule();
          return;
        }
        if (response.status === 404 || response.status === 400) {
          failed(true);
          return;
        }
        if (!response.ok) {
          failed(false);
          return;
        }
        return response.json().then(function (data) {
          failures = 0;
          etag = response.headers.get("ETag");
          apply(data);
          cursor = data.sequence;
          root.dataset.after = String(cursor);
          adoptInterval(data.poll_interval);
          if (data.live === false) {
            stop();
          }
          schedule(data.more ? 0 : undefined);
        });
      })
      .catch(function () {
        failed(false);
      });
  }

  notice.addEventListener("click", showPending);

  document.addEventListener("visibilitychange", function () {
    if (stopped) {
      return;
    }
    if (!document.hidden && Date.now() - lastPollAt >= interval) {
      schedule(0);
    } else {
      schedule();
    }
  });

  markNewSinceLastVisit(readLastSeen());
  rememberSeen();
  root.dataset.liveState = "polling";
  schedule();
})();
